#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "model/errc.hpp"
#include "model/lease.hpp"

namespace janus::http {

class model_request_metrics;

/// How one chat-completions request ended: what its log line and its metrics record. Views
/// into the caller's strings, valid for the call of report().
struct request_summary {
  std::string_view request_id;
  /// The W3C trace id and janusd's span id of the request (http/trace_context.hpp).
  std::string_view trace_id;
  std::string_view span_id;
  /// The model the client asked for, as sent ("" when the body could not be read).
  std::string_view model;
  /// The status sent to the client; 499 when the client left before any answer.
  unsigned status = 0;
  /// ok, rejected (refused before reaching a container), failed_before_first_byte (no attempt
  /// got an answer), failed_mid_stream, timeout (the container was too slow: 504, or a stream
  /// ended with an upstream_timeout error frame), error_frame (the container streamed an error
  /// frame), client_gone.
  std::string_view outcome;
  /// What went wrong, errc::none when nothing did.
  errc error = errc::none;
  /// Attempts that got a lease (0 when rejected).
  int attempts = 0;
  /// The last lease's container, start kind, queue time and (for a cold start) how long the
  /// container took to become ready; unset when no lease was granted.
  std::string_view container;
  std::optional<start_kind> start;
  std::chrono::microseconds queue_time{0};
  std::chrono::microseconds container_start{0};
  /// From the request read in full to the first complete SSE data frame; streams only.
  std::optional<std::chrono::nanoseconds> first_token;
  /// From the request read in full to the end of its answer.
  std::chrono::nanoseconds total{0};
  /// Why the request went to the model's direct deployment (a fallback.when reason, `upstream`
  /// for an upstream-only model); empty when it did not.
  std::string_view fallback;
  /// How that failed, when it did (the client got the original error).
  std::string_view fallback_error;
};

/// Records a finished request: `janus_requests_total`, `janus_request_outcomes_total`, the
/// duration and time-to-first-token histograms, `janus_rejected_requests_total` for a rejection
/// (when `metrics` is set), and
/// the request's one log line (`chat request` at info, with every field of the summary).
void report(const request_summary& summary, model_request_metrics* metrics);

} // namespace janus::http
