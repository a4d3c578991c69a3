#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/messages.hpp"
#include "metrics/registry.hpp"

namespace janus::actors {

/// How a container start ended, for `janus_container_starts_total{result}`.
enum class start_result : std::uint8_t {
  /// Ready: its health probe answered 200.
  ok,
  /// The runtime could not start it, or it exited before it was ready.
  failed,
  /// Not ready within startup_timeout.
  timeout,
  /// Stopped by its pool (shutdown) before it was ready.
  cancelled,
};

std::string_view to_string(start_result result);

/// The container lifecycle metrics of one model, resolved once, on prometheus-cpp's own counter
/// and histogram: the actors (supervisors, health checker) update them a few times per
/// container. Its series are on the page for as long as it lives; destroying it removes them.
class model_container_metrics {
public:
  model_container_metrics(metrics::registry& registry, const std::string& model);

  model_container_metrics(const model_container_metrics&) = delete;
  model_container_metrics& operator=(const model_container_metrics&) = delete;

  ~model_container_metrics();

  /// `janus_container_starts_total{result}`.
  void count_start(start_result result);

  /// `janus_container_start_duration_seconds`: from start request to ready.
  void observe_start(std::chrono::nanoseconds took);

  /// `janus_container_stops_total{reason}`: a container that ran is gone.
  void count_stop(stop_reason reason);

  /// `janus_health_checks_total{result}`: one periodic health probe.
  void count_health_check(bool healthy);

private:
  prometheus::Family<prometheus::Counter>& starts_family_;
  prometheus::Family<prometheus::Histogram>& start_duration_family_;
  prometheus::Family<prometheus::Counter>& stops_family_;
  prometheus::Family<prometheus::Counter>& health_family_;
  std::array<prometheus::Counter*, 4> starts_;
  prometheus::Histogram* start_duration_;
  std::array<prometheus::Counter*, 8> stops_;
  prometheus::Counter* health_ok_;
  prometheus::Counter* health_failed_;
};

/// Every registered model's container metrics, by model name. Built before the actors start;
/// a model added or removed at run time (admin API) publishes a new immutable table, so actors
/// read it from any thread without taking its mutex. Whoever counts for a container (its
/// supervisor, its health watch) holds the model's handles: a removed model's series stay until
/// the last of them lets go (its last container is gone), and the first `reclaim` after that
/// takes them off the page. Must outlive every actor that holds it.
class container_metrics {
public:
  container_metrics(metrics::registry& registry, const std::vector<std::string>& models);

  /// The handles of `model`; null when it is not registered (its containers are not counted:
  /// the label stays bounded).
  std::shared_ptr<model_container_metrics> of(std::string_view model) const;

  /// Registers a model added at run time; false (nothing changes) when the name is known. A
  /// name whose old handles are still held gets them back, so its counts go on.
  bool add_model(const std::string& name);

  /// Unregisters a removed model; false when the name is not registered.
  bool remove_model(const std::string& name);

  /// Drops the handles of removed models that nobody holds any more, which takes their series
  /// off the page. Called by add_model and remove_model, and at each scrape.
  void reclaim();

  /// Removed models whose handles are still held.
  std::size_t retired() const;

  /// Called (under the registration lock, with the model's name) when a removed model's
  /// handles are dropped: whatever else counts per container of it (the platform endpoint's
  /// series) leaves the page with its container series. Set before the actors start.
  void on_gone(std::function<void(const std::string&)> gone);

private:
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };

  using table = std::unordered_map<std::string, std::shared_ptr<model_container_metrics>,
                                   name_hash, std::equal_to<>>;

  /// Publishes a copy of the current table changed by `change`. Called with `registration_`
  /// held.
  void publish(const std::function<void(table&)>& change);

  /// reclaim with `registration_` held: a handle is destroyed under it, so a new one for the
  /// same name never meets the old one's series.
  void reclaim_locked();

  metrics::registry& registry_;
  mutable std::mutex registration_;
  std::atomic<std::shared_ptr<const table>> current_;
  /// Removed models' handles by name, until nobody else holds them.
  std::vector<std::pair<std::string, std::shared_ptr<model_container_metrics>>> retired_;
  std::function<void(const std::string&)> gone_;
};

} // namespace janus::actors
