#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace janus::bench {

/// What became of one request. Every request gets exactly one class; only `ok` requests feed
/// the latency percentiles.
enum class error_class : std::uint8_t {
  ok,
  /// No TCP connection (refused, unreachable, name not resolved, connect timed out).
  connect_error,
  /// The request's deadline passed (per-request timeout, or the drain cap at the end).
  timeout,
  /// 400..499 except 429; also any other status that is neither 2xx nor 5xx.
  http_4xx,
  http_429,
  http_5xx,
  /// A 2xx answer that went wrong: an error frame, a body cut short, a stream without
  /// `data: [DONE]`, a connection reset after the header.
  stream_error,
};

/// Number of error classes, for arrays indexed by class.
inline constexpr std::size_t error_class_count = 7;

/// The class's name as printed and written to JSON/CSV, e.g. "http_5xx".
std::string_view to_string(error_class value);

/// The class of an answer that arrived with HTTP status `status` and whose body was read to
/// the end as HTTP frames it; `body_failed` says the body itself failed (stream_error).
error_class classify_status(unsigned status, bool body_failed);

/// How the serving side started the container that answered (janusd's `x-janus-start`).
enum class start_kind : std::uint8_t {
  /// No `x-janus-start` header (a plain model server, or the request failed before it).
  none,
  warm,
  prewarmed,
  cold,
  /// A value this tool does not know.
  other,
  /// A paused container resumed for the request.
  resumed,
  /// No container: the model's direct deployment answered (janusd's fallback).
  fallback,
};

inline constexpr std::size_t start_kind_count = 7;

/// Where a request's output token count came from.
enum class token_source : std::uint8_t {
  /// Neither: a whole answer without usage, or a failed request.
  none,
  /// `usage.completion_tokens` of the answer (a stream's with stream_options.include_usage).
  usage,
  /// A stream without usage: its content deltas, counted.
  chunks,
};

inline constexpr std::size_t token_source_count = 3;

/// "none", "usage" or "chunks".
std::string_view to_string(token_source value);

/// "none", "warm", "prewarmed", "cold", "resumed", "fallback" or "other".
std::string_view to_string(start_kind value);

/// The kind named by an `x-janus-start` value (case-insensitive); `other` for an unknown
/// value, `none` for an empty one.
start_kind parse_start_kind(std::string_view header_value);

/// The kind named by janusd's `: x-janus-start: <kind>` SSE comment in `body` (a stream whose
/// head went before a container was known, see server.sse_keepalive); `none` without one.
start_kind start_kind_in_comment(std::string_view body);

} // namespace janus::bench
