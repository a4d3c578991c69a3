#include "actors/container_metrics.hpp"

#include <algorithm>

namespace janus::actors {

namespace {

/// Container start: 10 ms to 120 s.
const std::vector<double> start_buckets{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                        2.5,  5,     10,   20,  30,   60,  120};

constexpr std::array<start_result, 4> every_start_result{start_result::ok, start_result::failed,
                                                         start_result::timeout,
                                                         start_result::cancelled};

constexpr std::array<stop_reason, 8> every_stop_reason{
  stop_reason::idle,         stop_reason::recycled,        stop_reason::unhealthy,
  stop_reason::exited,       stop_reason::start_failed,    stop_reason::startup_timeout,
  stop_reason::failing,      stop_reason::shutdown};

prometheus::Labels labels(const std::string& model, const char* name, std::string_view value) {
  return {{"model", model}, {name, std::string{value}}};
}

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
  : starts_family_(registry.add_counter("janus_container_starts_total",
                                        "Container starts, by result (ok, failed, timeout, "
                                        "cancelled).")),
    start_duration_family_(
      registry.add_histogram("janus_container_start_duration_seconds",
                             "Time from a container's start to its first healthy probe.")),
    stops_family_(registry.add_counter("janus_container_stops_total",
                                       "Containers gone after they ran, by reason.")),
    health_family_(registry.add_counter("janus_health_checks_total",
                                        "Periodic health probes of ready containers, by result.")),
    start_duration_(&start_duration_family_.Add({{"model", model}}, start_buckets)),
    health_ok_(&health_family_.Add(labels(model, "result", "ok"))),
    health_failed_(&health_family_.Add(labels(model, "result", "failed"))) {
  for (auto result : every_start_result) {
    starts_[static_cast<std::size_t>(result)] =
      &starts_family_.Add(labels(model, "result", to_string(result)));
  }
  for (auto reason : every_stop_reason) {
    stops_[static_cast<std::size_t>(reason)] =
      &stops_family_.Add(labels(model, "reason", to_string(reason)));
  }
}

model_container_metrics::~model_container_metrics() {
  for (auto* child : starts_) {
    starts_family_.Remove(child);
  }
  start_duration_family_.Remove(start_duration_);
  for (auto* child : stops_) {
    stops_family_.Remove(child);
  }
  health_family_.Remove(health_ok_);
  health_family_.Remove(health_failed_);
}

void model_container_metrics::count_start(start_result result) {
  starts_[std::min<std::size_t>(static_cast<std::size_t>(result), starts_.size() - 1)]->Increment();
}

void model_container_metrics::observe_start(std::chrono::nanoseconds took) {
  start_duration_->Observe(std::chrono::duration<double>(took).count());
}

void model_container_metrics::count_stop(stop_reason reason) {
  stops_[std::min<std::size_t>(static_cast<std::size_t>(reason), stops_.size() - 1)]->Increment();
}

void model_container_metrics::count_health_check(bool healthy) {
  (healthy ? health_ok_ : health_failed_)->Increment();
}

container_metrics::container_metrics(metrics::registry& registry,
                                     const std::vector<std::string>& models)
  : registry_(registry) {
  auto first = std::make_shared<table>();
  for (const auto& name : models) {
    first->emplace(name, std::make_shared<model_container_metrics>(registry, name));
  }
  current_.store(std::move(first));
}

std::shared_ptr<model_container_metrics> container_metrics::of(std::string_view model) const {
  auto models = current_.load();
  auto it = models->find(model);
  return it != models->end() ? it->second : nullptr;
}

void container_metrics::publish(const std::function<void(table&)>& change) {
  auto next = std::make_shared<table>(*current_.load());
  change(*next);
  current_.store(std::move(next));
}

bool container_metrics::add_model(const std::string& name) {
  std::lock_guard guard{registration_};
  if (current_.load()->contains(name)) {
    return false;
  }
  reclaim_locked();
  std::shared_ptr<model_container_metrics> handles;
  auto held = std::find_if(retired_.begin(), retired_.end(),
                           [&](const auto& entry) { return entry.first == name; });
  if (held != retired_.end()) {
    handles = std::move(held->second);
    retired_.erase(held);
  } else {
    handles = std::make_shared<model_container_metrics>(registry_, name);
  }
  publish([&](table& next) { next.emplace(name, std::move(handles)); });
  return true;
}

bool container_metrics::remove_model(const std::string& name) {
  std::lock_guard guard{registration_};
  auto now = current_.load();
  auto it = now->find(name);
  if (it == now->end()) {
    return false;
  }
  retired_.emplace_back(name, it->second);
  now.reset();
  publish([&](table& next) { next.erase(name); });
  reclaim_locked();
  return true;
}

void container_metrics::reclaim() {
  std::lock_guard guard{registration_};
  reclaim_locked();
}

void container_metrics::reclaim_locked() {
  // A handle only this list holds (no table, no actor) can be taken again by add_model only,
  // under the same lock. Dropping the last reference synchronizes with the holders' releases,
  // so their last updates are done before the destructor removes the series.
  std::erase_if(retired_, [this](const auto& entry) {
    if (entry.second.use_count() != 1) {
      return false;
    }
    if (gone_) {
      gone_(entry.first);
    }
    return true;
  });
}

void container_metrics::on_gone(std::function<void(const std::string&)> gone) {
  std::lock_guard guard{registration_};
  gone_ = std::move(gone);
}

std::size_t container_metrics::retired() const {
  std::lock_guard guard{registration_};
  return retired_.size();
}

} // namespace janus::actors
