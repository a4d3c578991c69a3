#include "actors/container_metrics.hpp"

#include <algorithm>

namespace janus::actors {

namespace {

/// Container start: 10 ms to 120 s.
const std::vector<double> start_buckets{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                        2.5,  5,     10,   20,  30,   60,  120};

/// The control plane updates these a few times per container: one stripe is plenty.
constexpr std::size_t one_stripe = 1;

constexpr std::array<stop_reason, 8> every_stop_reason{
  stop_reason::idle,         stop_reason::recycled,        stop_reason::unhealthy,
  stop_reason::exited,       stop_reason::start_failed,    stop_reason::startup_timeout,
  stop_reason::failing,      stop_reason::shutdown};

} // namespace

std::string_view to_string(start_result result) {
  switch (result) {
    case start_result::ok:
      return "ok";
    case start_result::failed:
      return "failed";
    case start_result::timeout:
      return "timeout";
    case start_result::cancelled:
      return "cancelled";
  }
  return "unknown";
}

model_container_metrics::model_container_metrics(metrics::registry& registry,
                                                 const std::string& model)
  : start_duration_(registry
                      .add_histogram("janus_container_start_duration_seconds",
                                     "Time from a container's start to its first healthy probe.",
                                     {"model"}, start_buckets, one_stripe)
                      .with({model})),
    health_ok_(registry
                 .add_counter("janus_health_checks_total",
                              "Periodic health probes of ready containers, by result.",
                              {"model", "result"}, one_stripe)
                 .with({model, "ok"})),
    health_failed_(registry
                     .add_counter("janus_health_checks_total",
                                  "Periodic health probes of ready containers, by result.",
                                  {"model", "result"}, one_stripe)
                     .with({model, "failed"})) {
  auto& starts = registry.add_counter("janus_container_starts_total",
                                      "Container starts, by result (ok, failed, timeout, "
                                      "cancelled).",
                                      {"model", "result"}, one_stripe);
  for (auto result : {start_result::ok, start_result::failed, start_result::timeout,
                      start_result::cancelled}) {
    starts_[static_cast<std::size_t>(result)] = &starts.with({model, to_string(result)});
  }
  auto& stops = registry.add_counter("janus_container_stops_total",
                                     "Containers gone after they ran, by reason.",
                                     {"model", "reason"}, one_stripe);
  for (auto reason : every_stop_reason) {
    stops_[static_cast<std::size_t>(reason)] = &stops.with({model, to_string(reason)});
  }
}

void model_container_metrics::count_start(start_result result) {
  starts_[std::min<std::size_t>(static_cast<std::size_t>(result), starts_.size() - 1)]->inc();
}

void model_container_metrics::observe_start(std::chrono::nanoseconds took) {
  start_duration_.observe(std::chrono::duration<double>(took).count());
}

void model_container_metrics::count_stop(stop_reason reason) {
  stops_[std::min<std::size_t>(static_cast<std::size_t>(reason), stops_.size() - 1)]->inc();
}

void model_container_metrics::count_health_check(bool healthy) {
  (healthy ? health_ok_ : health_failed_).inc();
}

container_metrics::container_metrics(metrics::registry& registry,
                                     const std::vector<std::string>& models)
  : registry_(registry) {
  auto first = std::make_unique<table>();
  for (const auto& name : models) {
    owned_.push_back(std::make_unique<model_container_metrics>(registry, name));
    first->emplace(name, owned_.back().get());
  }
  current_.store(first.get(), std::memory_order_release);
  tables_.push_back(std::move(first));
}

model_container_metrics* container_metrics::of(std::string_view model) {
  const auto* models = current_.load(std::memory_order_acquire);
  auto it = models->find(std::string{model});
  return it != models->end() ? it->second : nullptr;
}

void container_metrics::add_model(const std::string& name) {
  std::lock_guard guard{registration_};
  const auto* now = current_.load(std::memory_order_acquire);
  if (now->contains(name)) {
    return;
  }
  owned_.push_back(std::make_unique<model_container_metrics>(registry_, name));
  auto next = std::make_unique<table>(*now);
  next->emplace(name, owned_.back().get());
  current_.store(next.get(), std::memory_order_release);
  tables_.push_back(std::move(next));
}

} // namespace janus::actors
