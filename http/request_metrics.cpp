#include "http/request_metrics.hpp"

#include <algorithm>

#include "metrics/registry.hpp"

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
  : requests(registry.add_striped_counter("janus_requests_total",
                                          "Chat completion requests answered, by model and HTTP "
                                          "status code (499: the client left before an answer).",
                                          {"model", "code"})),
    duration(registry.add_striped_histogram(
      "janus_request_duration_seconds", "Time from a chat request read in full to its answer's end.",
      {"model"}, duration_buckets)),
    first_token(registry.add_striped_histogram("janus_time_to_first_token_seconds",
                                               "Time from a streamed chat request read in full to "
                                               "the first complete SSE data frame from its "
                                               "container.",
                                               {"model"}, wait_buckets)),
    queue_wait(registry.add_striped_histogram("janus_queue_wait_seconds",
                                              "Time a lease request waited for a container slot.",
                                              {"model"}, wait_buckets)),
    starts(registry.add_striped_counter("janus_request_starts_total",
                                        "Leases granted, by how warm the container was (warm: "
                                        "served before; prewarmed: first request; cold: started "
                                        "for it; resumed: a paused container resumed for it; "
                                        "fallback: the model's direct deployment answered).",
                                        {"model", "kind"})),
    rejected(registry.add_striped_counter("janus_rejected_requests_total",
                                          "Chat requests refused before reaching a container, by "
                                          "reason.",
                                          {"model", "reason"})),
    retries(registry.add_striped_counter("janus_upstream_retries_total",
                                         "Chat requests sent again because they provably did not "
                                         "reach the model (the connect or the write of the "
                                         "request failed).",
                                         {"model"})),
    outcomes(registry.add_striped_counter("janus_request_outcomes_total",
                                          "Chat requests by how they ended (ok, rejected, timeout, "
                                          "error_frame, ...), as their log line's outcome.",
                                          {"model", "outcome"})) {
}

void request_families::remove(std::string_view model) {
  for (auto* f : {&requests, &starts, &rejected, &retries, &outcomes}) {
    f->remove_where("model", model);
  }
  for (auto* f : {&duration, &first_token, &queue_wait}) {
    f->remove_where("model", model);
  }
}

model_request_metrics::model_request_metrics(request_families& families, std::string label,
                                             bool leases)
  : families_(families), label_(std::move(label)), duration_(families.duration.with({label_})) {
  if (!leases) {
    return;
  }
  first_token_ = families.first_token.with({label_});
  queue_wait_ = families.queue_wait.with({label_});
  retries_ = families.retries.with({label_});
  for (auto kind : {start_kind::warm, start_kind::prewarmed, start_kind::cold, start_kind::resumed,
                    start_kind::fallback}) {
    starts_[static_cast<std::size_t>(kind)] = families.starts.with({label_, to_string(kind)});
  }
}

metrics::counter* model_request_metrics::resolve(metrics::family<metrics::counter>& family,
                                                 std::string_view value) {
  if (retired_) {
    return nullptr;
  }
  resolved_.push_back(family.with({label_, value}));
  return resolved_.back().get();
}

void model_request_metrics::count_request(unsigned status) {
  auto slot = status >= 100 && status <= 599 ? status - 100 : code_slots - 1;
  auto* child = by_code_[slot].load(std::memory_order_acquire);
  if (child == nullptr) [[unlikely]] {
    std::lock_guard lock{resolving_};
    child = by_code_[slot].load(std::memory_order_relaxed);
    if (child == nullptr) {
      child = resolve(families_.requests,
                      slot == code_slots - 1 ? std::string{"other"} : std::to_string(status));
      if (child == nullptr) {
        return;
      }
      by_code_[slot].store(child, std::memory_order_release);
    }
  }
  child->inc();
}

void model_request_metrics::count_rejection(errc reason) {
  auto slot = std::min<std::size_t>(static_cast<std::size_t>(reason), reason_slots - 1);
  auto* child = by_reason_[slot].load(std::memory_order_acquire);
  if (child == nullptr) [[unlikely]] {
    std::lock_guard lock{resolving_};
    child = by_reason_[slot].load(std::memory_order_relaxed);
    if (child == nullptr) {
      child = resolve(families_.rejected, to_string(reason));
      if (child == nullptr) {
        return;
      }
      by_reason_[slot].store(child, std::memory_order_release);
    }
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
    std::lock_guard lock{resolving_};
    child = by_outcome_[slot].load(std::memory_order_relaxed);
    if (child == nullptr) {
      child = resolve(families_.outcomes, outcome);
      if (child == nullptr) {
        return;
      }
      by_outcome_[slot].store(child, std::memory_order_release);
    }
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
  duration_->observe(seconds(total));
}

void model_request_metrics::observe_first_token(std::chrono::nanoseconds since_received) {
  if (first_token_ != nullptr) {
    first_token_->observe(seconds(since_received));
  }
}

void model_request_metrics::retire() {
  {
    std::lock_guard lock{resolving_};
    retired_ = true;
  }
  // After the flag: no child of this label is made from here on, so none is left behind.
  families_.remove(label_);
}

request_metrics::request_metrics(metrics::registry& registry,
                                 const std::vector<std::string>& models)
  : families_(registry),
    unknown_(std::make_unique<model_request_metrics>(families_, std::string{unknown_model}, false)) {
  auto first = std::make_shared<table>();
  for (const auto& name : models) {
    first->emplace(name, std::make_shared<model_request_metrics>(families_, name, true));
  }
  owned_ = std::move(first);
  current_.store(owned_.get(), std::memory_order_seq_cst);
}

request_metrics::handle request_metrics::of(std::string_view model) noexcept {
  // The pin first: the table loaded after it stays valid while the handle lives.
  auto pin = grace_.enter();
  const auto* models = current_.load(std::memory_order_seq_cst);
  auto it = models->find(model);
  return handle{it != models->end() ? it->second.get() : unknown_.get(), std::move(pin)};
}

void request_metrics::publish(std::shared_ptr<const table> next) {
  auto old = std::move(owned_);
  owned_ = std::move(next);
  current_.store(owned_.get(), std::memory_order_seq_cst);
  grace_.retire(std::move(old));
}

bool request_metrics::add_model(const std::string& name) {
  std::lock_guard guard{registration_};
  if (owned_->contains(name)) {
    return false;
  }
  auto next = std::make_shared<table>(*owned_);
  next->emplace(name, std::make_shared<model_request_metrics>(families_, name, true));
  publish(std::move(next));
  grace_.reclaim();
  return true;
}

bool request_metrics::remove_model(const std::string& name) {
  std::lock_guard guard{registration_};
  auto it = owned_->find(name);
  if (it == owned_->end()) {
    return false;
  }
  it->second->retire();
  auto next = std::make_shared<table>(*owned_);
  next->erase(name);
  publish(std::move(next));
  grace_.reclaim();
  return true;
}

void request_metrics::reclaim() {
  grace_.reclaim();
}

} // namespace janus::http
