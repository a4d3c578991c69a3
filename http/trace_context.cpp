#include "http/trace_context.hpp"
#include "model/ows.hpp"

#include <algorithm>
#include <random>

namespace janus::http {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

bool lower_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/// Copies `text` into `out` when it is all lower-case hex (and, with `nonzero`, not all '0').
template <std::size_t N>
bool take_hex(std::string_view text, std::array<char, N>& out, bool nonzero) noexcept {
  bool any = false;
  for (std::size_t i = 0; i < N; ++i) {
    if (!lower_hex(text[i])) {
      return false;
    }
    any = any || text[i] != '0';
    out[i] = text[i];
  }
  return any || !nonzero;
}

std::uint64_t next_random() noexcept {
  // splitmix64 over a per-thread seed, as for request ids: distinct across threads, fast.
  thread_local std::uint64_t state =
    std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// 16 random hex digits, never all zeros.
void random_hex16(char* out) noexcept {
  std::uint64_t value = 0;
  while (value == 0) {
    value = next_random();
  }
  for (int i = 15; i >= 0; --i) {
    out[i] = hex_digits[value & 0xf];
    value >>= 4;
  }
}

} // namespace

std::array<char, trace_context::traceparent_size> trace_context::outgoing_traceparent() const noexcept {
  std::array<char, traceparent_size> out{};
  auto at = std::copy_n("00-", 3, out.begin());
  at = std::copy(trace_id.begin(), trace_id.end(), at);
  *at++ = '-';
  at = std::copy(span_id.begin(), span_id.end(), at);
  *at++ = '-';
  std::copy(flags.begin(), flags.end(), at);
  return out;
}

std::optional<traceparent_parts> parse_traceparent(std::string_view value) noexcept {
  value = trim_ows(value);
  if (value.size() < trace_context::traceparent_size) {
    return std::nullopt;
  }
  std::array<char, 2> version{};
  if (!take_hex(value.substr(0, 2), version, false) || (version[0] == 'f' && version[1] == 'f')) {
    return std::nullopt;
  }
  bool v00 = version[0] == '0' && version[1] == '0';
  if (v00 ? value.size() != trace_context::traceparent_size
          : value.size() > trace_context::traceparent_size
              && value[trace_context::traceparent_size] != '-') {
    return std::nullopt;
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') {
    return std::nullopt;
  }
  traceparent_parts parts;
  if (!take_hex(value.substr(3, 32), parts.trace_id, true)
      || !take_hex(value.substr(36, 16), parts.parent_id, true)
      || !take_hex(value.substr(53, 2), parts.flags, false)) {
    return std::nullopt;
  }
  return parts;
}

bool forwardable_tracestate(std::string_view value) noexcept {
  if (value.size() > trace_context::max_tracestate_bytes) {
    return false;
  }
  std::size_t members = 0;
  while (true) {
    auto comma = value.find(',');
    auto member = trim_ows(value.substr(0, comma));
    if (!member.empty()) {
      auto equals = member.find('=');
      if (equals == 0 || equals == std::string_view::npos || ++members > trace_context::max_tracestate_members) {
        return false;
      }
      for (char c : member) {
        if (c < 0x20 || c > 0x7e) {
          return false;
        }
      }
    }
    if (comma == std::string_view::npos) {
      return true;
    }
    value.remove_prefix(comma + 1);
  }
}

trace_context next_hop(std::string_view traceparent, std::string_view tracestate) noexcept {
  trace_context context;
  if (auto parts = parse_traceparent(traceparent)) {
    context.trace_id = parts->trace_id;
    context.parent_id = parts->parent_id;
    context.flags = parts->flags;
    context.continued = true;
    tracestate = trim_ows(tracestate);
    if (!tracestate.empty() && forwardable_tracestate(tracestate)) {
      std::copy(tracestate.begin(), tracestate.end(), context.tracestate_bytes.begin());
      context.tracestate_size = tracestate.size();
    }
  } else {
    random_hex16(context.trace_id.data());
    random_hex16(context.trace_id.data() + 16);
    context.parent_id.fill('0');
  }
  random_hex16(context.span_id.data());
  return context;
}

} // namespace janus::http
