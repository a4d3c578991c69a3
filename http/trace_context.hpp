#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace janus::http {

/// A W3C Trace Context (https://www.w3.org/TR/trace-context/) as janusd carries it across one
/// hop: the trace it belongs to, the caller's span (when the trace came from outside), janusd's
/// own span for this hop, the flags and the caller's tracestate. Fixed size: parsing and
/// rendering never allocate. Invariant: trace_id and span_id are 32 and 16 lower-case hex digits,
/// neither all zeros; tracestate holds at most max_tracestate_bytes.
struct trace_context {
  static constexpr std::size_t trace_id_size = 32;
  static constexpr std::size_t span_id_size = 16;
  static constexpr std::size_t traceparent_size = 55;
  /// What is forwarded of a tracestate; a longer one (or one with more than
  /// max_tracestate_members members) is dropped whole.
  static constexpr std::size_t max_tracestate_bytes = 512;
  static constexpr std::size_t max_tracestate_members = 32;

  std::array<char, trace_id_size> trace_id{};
  /// The caller's parent-id; all '0' when janusd started the trace.
  std::array<char, span_id_size> parent_id{};
  /// janusd's span id for this hop: the parent-id of what it sends on.
  std::array<char, span_id_size> span_id{};
  /// trace-flags as received (two hex digits); "01" (sampled) for a trace janusd started.
  std::array<char, 2> flags{'0', '1'};
  std::array<char, max_tracestate_bytes> tracestate_bytes{};
  std::size_t tracestate_size = 0;
  /// Whether trace_id came from a valid traceparent (false: janusd started the trace).
  bool continued = false;

  std::string_view trace_id_text() const noexcept {
    return {trace_id.data(), trace_id.size()};
  }

  std::string_view span_id_text() const noexcept {
    return {span_id.data(), span_id.size()};
  }

  std::string_view parent_id_text() const noexcept {
    return {parent_id.data(), parent_id.size()};
  }

  std::string_view tracestate() const noexcept {
    return {tracestate_bytes.data(), tracestate_size};
  }

  /// The `traceparent` janusd sends on: version 00, this trace id, janusd's span id as the
  /// parent-id, the flags.
  std::array<char, traceparent_size> outgoing_traceparent() const noexcept;
};

/// The parts of a valid `traceparent` value.
struct traceparent_parts {
  std::array<char, trace_context::trace_id_size> trace_id{};
  std::array<char, trace_context::span_id_size> parent_id{};
  std::array<char, 2> flags{};
};

/// Parses a `traceparent` value (surrounding spaces and tabs allowed): version 00 is exactly
/// `00-<32 hex>-<16 hex>-<2 hex>`, lower-case hex, neither id all zeros; a higher version (not
/// `ff`) is read by its version-00 prefix, which must be followed by nothing or by '-'. Anything
/// else is nullopt. Reads at most the value's bytes once; no allocation.
std::optional<traceparent_parts> parse_traceparent(std::string_view value) noexcept;

/// Whether a `tracestate` value may be forwarded: at most max_tracestate_bytes and
/// max_tracestate_members list members, each `key=value` of printable ASCII (empty members, as
/// the spec allows, are not counted); nothing else is checked.
bool forwardable_tracestate(std::string_view value) noexcept;

/// The context of one hop: continues the trace of a valid `traceparent` (keeping its trace id and
/// flags, and `tracestate` when forwardable) or starts a new one (random trace id, tracestate
/// ignored); either way with a new random span id. Cheap: no lock, no system call.
trace_context next_hop(std::string_view traceparent, std::string_view tracestate) noexcept;

} // namespace janus::http
