#include "http/request_metrics.hpp"

#include <algorithm>

namespace janus::http {

namespace {

/// Queue wait and time to first token: 1 ms to 60 s.
const std::vector<double> wait_buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                       0.5,   1,      2.5,   5,    10,    20,   30,  60};

/// A whole request: 1 ms to 300 s.
const std::vector<double> duration_buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                           1,     2.5,    5,     10,   30,    60,   120, 300};

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

} // namespace

request_families::request_families(metrics::registry& registry)
  : requests(registry.add_counter("janus_requests_total",
                                  "Chat completion requests answered, by model and HTTP status "
                                  "code (499: the client left before an answer).",
                                  {"model", "code"})),
    duration(registry.add_histogram("janus_request_duration_seconds",
                                    "Time from a chat request read in full to its answer's end.",
                                    {"model"}, duration_buckets)),
    first_token(registry.add_histogram("janus_time_to_first_token_seconds",
                                       "Time from a streamed chat request read in full to the "
                                       "first complete SSE data frame from its container.",
                                       {"model"}, wait_buckets)),
    queue_wait(registry.add_histogram("janus_queue_wait_seconds",
                                      "Time a lease request waited for a container slot.",
                                      {"model"}, wait_buckets)),
    starts(registry.add_counter("janus_request_starts_total",
                                "Leases granted, by how warm the container was (warm: served "
                                "before; prewarmed: first request; cold: started for it).",
                                {"model", "kind"})),
    rejected(registry.add_counter("janus_rejected_requests_total",
                                  "Chat requests refused before reaching a container, by reason.",
                                  {"model", "reason"})),
    retries(registry.add_counter("janus_upstream_retries_total",
                                 "Chat requests sent again because they provably did not reach "
                                 "the model (the connect or the write of the request failed).",
                                 {"model"})),
    outcomes(registry.add_counter("janus_request_outcomes_total",
                                  "Chat requests by how they ended (ok, rejected, timeout, "
                                  "error_frame, ...), as their log line's outcome.",
                                  {"model", "outcome"})) {
}

model_request_metrics::model_request_metrics(request_families& families, std::string label,
                                             bool leases)
  : families_(families), label_(std::move(label)), duration_(families.duration.with({label_})) {
  if (!leases) {
    return;
  }
  first_token_ = &families.first_token.with({label_});
  queue_wait_ = &families.queue_wait.with({label_});
  retries_ = &families.retries.with({label_});
  for (auto kind : {start_kind::warm, start_kind::prewarmed, start_kind::cold}) {
    starts_[static_cast<std::size_t>(kind)] = &families.starts.with({label_, to_string(kind)});
  }
}

void model_request_metrics::count_request(unsigned status) {
  auto slot = status >= 100 && status <= 599 ? status - 100 : code_slots - 1;
  auto* child = by_code_[slot].load(std::memory_order_acquire);
  if (child == nullptr) [[unlikely]] {
    auto code = slot == code_slots - 1 ? std::string{"other"} : std::to_string(status);
    child = &families_.requests.with({label_, code});
    by_code_[slot].store(child, std::memory_order_release);
  }
  child->inc();
}

void model_request_metrics::count_rejection(errc reason) {
  auto slot = std::min<std::size_t>(static_cast<std::size_t>(reason), reason_slots - 1);
  auto* child = by_reason_[slot].load(std::memory_order_acquire);
  if (child == nullptr) [[unlikely]] {
    child = &families_.rejected.with({label_, to_string(reason)});
    by_reason_[slot].store(child, std::memory_order_release);
  }
  child->inc();
}

void model_request_metrics::count_outcome(std::string_view outcome) {
  auto found = std::find(request_outcomes.begin(), request_outcomes.end(), outcome);
  if (found == request_outcomes.end()) {
    return;
  }
  auto slot = static_cast<std::size_t>(found - request_outcomes.begin());
  auto* child = by_outcome_[slot].load(std::memory_order_acquire);
  if (child == nullptr) [[unlikely]] {
    child = &families_.outcomes.with({label_, std::string{outcome}});
    by_outcome_[slot].store(child, std::memory_order_release);
  }
  child->inc();
}

void model_request_metrics::count_lease(start_kind kind, std::chrono::microseconds queue_time) {
  if (queue_wait_ == nullptr) {
    return;
  }
  starts_[std::min<std::size_t>(static_cast<std::size_t>(kind), starts_.size() - 1)]->inc();
  queue_wait_->observe(seconds(queue_time));
}

void model_request_metrics::count_retry() {
  if (retries_ != nullptr) {
    retries_->inc();
  }
}

void model_request_metrics::observe_duration(std::chrono::nanoseconds total) {
  duration_.observe(seconds(total));
}

void model_request_metrics::observe_first_token(std::chrono::nanoseconds since_received) {
  if (first_token_ != nullptr) {
    first_token_->observe(seconds(since_received));
  }
}

request_metrics::request_metrics(metrics::registry& registry,
                                 const std::vector<std::string>& models)
  : families_(registry),
    unknown_(std::make_unique<model_request_metrics>(families_, std::string{unknown_model}, false)) {
  auto first = std::make_unique<table>();
  for (const auto& name : models) {
    owned_.push_back(std::make_unique<model_request_metrics>(families_, name, true));
    first->emplace(name, owned_.back().get());
  }
  current_.store(first.get(), std::memory_order_release);
  tables_.push_back(std::move(first));
}

model_request_metrics& request_metrics::of(std::string_view model) noexcept {
  const auto* models = current_.load(std::memory_order_acquire);
  auto it = models->find(model);
  return it != models->end() ? *it->second : *unknown_;
}

void request_metrics::add_model(const std::string& name) {
  std::lock_guard guard{registration_};
  const auto* now = current_.load(std::memory_order_acquire);
  if (now->contains(name)) {
    return;
  }
  owned_.push_back(std::make_unique<model_request_metrics>(families_, name, true));
  auto next = std::make_unique<table>(*now);
  next->emplace(name, owned_.back().get());
  current_.store(next.get(), std::memory_order_release);
  tables_.push_back(std::move(next));
}

} // namespace janus::http
