#include "http/request_summary.hpp"

#include "http/request_metrics.hpp"
#include "logging/event.hpp"

namespace janus::http {

void report(const request_summary& summary, model_request_metrics* metrics) {
  if (metrics != nullptr) {
    metrics->count_request(summary.status);
    metrics->count_outcome(summary.outcome);
    metrics->observe_duration(summary.total);
    if (summary.first_token) {
      metrics->observe_first_token(*summary.first_token);
    }
    if (summary.outcome == "rejected") {
      metrics->count_rejection(summary.error);
    }
  }
  if (!logging::enabled(spdlog::level::info)) {
    return;
  }
  logging::event line{"chat request"};
  line.field("request_id", summary.request_id)
    .field("trace_id", summary.trace_id)
    .field("span_id", summary.span_id)
    .field("model", summary.model)
    .field("status", summary.status)
    .field("outcome", summary.outcome);
  if (summary.error != errc::none) {
    line.field("error", to_string(summary.error));
  }
  line.field("attempts", summary.attempts);
  if (summary.start) {
    line.field("container", summary.container)
      .field("start", to_string(*summary.start))
      .millis("queue_ms", summary.queue_time);
    if (*summary.start == start_kind::cold || *summary.start == start_kind::resumed) {
      line.millis("container_start_ms", summary.container_start);
    }
  }
  if (!summary.fallback.empty()) {
    line.field("fallback", summary.fallback);
    if (!summary.fallback_error.empty()) {
      line.field("fallback_error", summary.fallback_error);
    }
  }
  if (summary.first_token) {
    line.millis("ttft_ms", *summary.first_token);
  }
  line.millis("total_ms", summary.total).info();
}

} // namespace janus::http
