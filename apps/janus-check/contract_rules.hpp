#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "apps/janus-check/check_rule.hpp"

/// The rule checks of janus-check: pure functions from what a container sent (its bytes, as
/// the probe client read them) to a rule_result. No I/O and no clock, so each has unit tests on
/// hand-made answers. The bytes come from untrusted code: JSON is read with RapidJSON's
/// iterative parser and at most max_json_depth levels deep, bodies are at most max_body_bytes
/// (the reader's bound), and what reaches `observed` is cleaned and cut (see excerpt).
namespace janus::check {

/// The largest body the probe client reads from the container: a stream of 16 tokens is a few
/// KiB, so an answer past this is not a well-behaved one.
inline constexpr std::size_t max_body_bytes = std::size_t{4} << 20;

/// How deep the container's JSON may nest: a chat chunk nests 4 levels, Docker's stats 4.
inline constexpr int max_json_depth = 32;

/// The longest excerpt of the container's bytes that a report quotes.
inline constexpr std::size_t max_excerpt_bytes = 80;

/// What one HTTP exchange with the container brought back.
struct observed_response {
  /// The HTTP status; 0 when no complete response head came (see `error`).
  unsigned status = 0;
  /// The `Content-Type` field, as sent.
  std::string content_type;
  /// The body with its chunked framing removed, at most max_body_bytes; what came before the
  /// failure when `error` is set.
  std::string body;
  /// Why the exchange did not complete, e.g. "connection refused", "no answer within 10000 ms",
  /// "the body passed 4194304 bytes"; empty when it did.
  std::string error;
  /// From the connect to the last byte (or the failure).
  std::chrono::milliseconds took{0};
};

/// How the wait for the container's readiness went.
struct health_observation {
  /// `GET /health` answered 200.
  bool ready = false;
  /// From the container's start to the first 200 (or to the end of the wait).
  std::chrono::milliseconds boot{0};
  /// The startup timeout the wait was held to.
  std::chrono::milliseconds timeout{0};
  /// Probes sent.
  std::size_t probes = 0;
  /// The last answer that was not 200, or the last transport failure.
  std::string last_failure;
  /// How the container ended, when it ended before it was ready.
  std::string exited;
  /// Why the container could not be started, when it could not.
  std::string start_failure;
};

/// How the container ended after SIGTERM (a stop with a grace period, then a kill).
struct stop_observation {
  /// Why the stop did not complete (the engine's words); empty when it did.
  std::string error;
  /// From SIGTERM to the end of the container.
  std::chrono::milliseconds took{0};
  /// The grace period the stop allowed (Docker's is whole seconds).
  std::chrono::milliseconds grace{0};
  /// Whether the container was still running after the stop.
  bool still_running = false;
  /// Its exit status (128 + N when a signal N ended it).
  int exit_code = 0;
  bool oom_killed = false;
};

/// A container's memory, from Docker's stats.
struct memory_reading {
  /// In use, without the reclaimable page cache (as `docker stats` shows it).
  std::uint64_t usage = 0;
  /// The container's memory limit.
  std::uint64_t limit = 0;
};

/// A memory reading, or why there is none.
struct memory_observation {
  std::optional<memory_reading> reading;
  /// Why nothing was measured, e.g. "the process runtime sets no memory limit".
  std::string unavailable;
};

/// `health`: ready within the timeout; the boot time is the observed value.
rule_result judge_health(const health_observation& seen);

/// `chat`: a 200 `application/json` answer with `id`, `object: "chat.completion"`, an integer
/// `created`, `model`, `choices[0].message` with role "assistant" and a string `content`,
/// `choices[0].finish_reason`, and `usage` with the three integer counts.
rule_result judge_chat(const observed_response& seen);

/// `stream`: a 200 `text/event-stream` whose every frame is `data: {json}` with
/// `object: "chat.completion.chunk"` and the same `id`, the role in the first delta,
/// `finish_reason` on the last content chunk and nowhere before, and `data: [DONE]` last.
rule_result judge_stream(const observed_response& seen);

/// `stream_usage`: the stream rules, plus a chunk with empty `choices` and `usage` (three
/// integer counts) just before `data: [DONE]`.
rule_result judge_stream_usage(const observed_response& seen);

/// `models`: a 404 passes (the endpoint is optional); a 200 must be `application/json`
/// `{"object":"list","data":[{"id":..,"object":"model"},...]}`; anything else fails.
rule_result judge_models(const observed_response& seen);

/// `errors`: the answer to a malformed body is a 4xx; a 5xx, a 2xx or no answer fails.
rule_result judge_errors(const observed_response& seen);

/// `sigterm`: the container ended within the grace period and was not killed (status 137).
rule_result judge_sigterm(const stop_observation& seen);

/// `idle_memory`: the reading against the limit; required only with a maximum, which a larger
/// reading fails. Nothing measured is a skip, or a failure when a maximum was asked for.
rule_result judge_idle_memory(const memory_observation& seen, std::optional<std::uint64_t> max);

/// Reads the answer of Docker's `GET /containers/{id}/stats?stream=false`: memory_stats.usage
/// less the inactive page cache (`total_inactive_file` of cgroup v1, `inactive_file` of v2),
/// and memory_stats.limit. Nothing when the answer has no such figures (a stopped container).
std::optional<memory_reading> parse_memory_stats(std::string_view json);

/// A short quote of the container's bytes for a report: valid UTF-8 (bad bytes become U+FFFD),
/// control characters shown as spaces, at most max_excerpt_bytes, then "...".
std::string excerpt(std::string_view text);

/// A byte count in words: "812 B", "3.1 MiB", "2.0 GiB".
std::string bytes_in_words(std::uint64_t bytes);

} // namespace janus::check
