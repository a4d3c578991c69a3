#pragma once

#include "apps/janus-bench/outcome.hpp"

#include <cstdint>

namespace janus::bench {

/// One request as measured: small and trivially copyable, so a run keeps millions of them in
/// a preallocated vector. Times are microseconds; `scheduled_us` counts from the start of the
/// run, every other time from `scheduled_us` (so open-loop latencies include any wait for a
/// connection: no coordinated omission). Its inter-token latencies are kept apart (the run's
/// pool of them), as only their distribution over the run is reported.
struct request_record {
  /// When the request was due: the open-loop schedule, or when a closed-loop client was free.
  std::int64_t scheduled_us = 0;
  /// When its first byte was actually written (or the attempt failed), after scheduled_us.
  std::int64_t start_offset_us = 0;
  /// Time to first token: when a stream's first chunk with content arrived; -1 when none did,
  /// and always for a whole answer.
  std::int64_t ttft_us = -1;
  /// End-to-end latency: until the answer ended (or the request failed).
  std::int64_t e2el_us = 0;
  /// Output tokens, from `tokens_from`.
  std::uint32_t output_tokens = 0;
  /// usage.prompt_tokens; 0 when the answer had no usage.
  std::uint32_t input_tokens = 0;
  /// A stream's chunks with content.
  std::uint32_t chunks = 0;
  /// HTTP status; 0 when no response header arrived.
  std::uint16_t status = 0;
  /// Index into the run's model list.
  std::uint16_t model = 0;
  error_class result = error_class::ok;
  start_kind start = start_kind::none;
  token_source tokens_from = token_source::none;
  /// Cut by the drain cap at the end of the run (counted as a timeout).
  bool abandoned = false;
};

} // namespace janus::bench
