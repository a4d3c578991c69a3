#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
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

/// The container lifecycle metrics of one model, resolved once. Updated by the actors
/// (supervisors, health checker), a few times per container: plain relaxed atomics.
class model_container_metrics {
public:
  model_container_metrics(metrics::registry& registry, const std::string& model);

  /// `janus_container_starts_total{result}`.
  void count_start(start_result result);

  /// `janus_container_start_duration_seconds`: from start request to ready.
  void observe_start(std::chrono::nanoseconds took);

  /// `janus_container_stops_total{reason}`: a container that ran is gone.
  void count_stop(stop_reason reason);

  /// `janus_health_checks_total{result}`: one periodic health probe.
  void count_health_check(bool healthy);

private:
  std::array<metrics::counter*, 4> starts_;
  metrics::histogram& start_duration_;
  std::array<metrics::counter*, 8> stops_;
  metrics::counter& health_ok_;
  metrics::counter& health_failed_;
};

/// Every registered model's container metrics, by model name. Built before the actors start;
/// a model added at run time (admin API) publishes a new immutable table with one atomic store,
/// so actors read it from any thread without a lock. Must outlive every actor that holds it.
class container_metrics {
public:
  container_metrics(metrics::registry& registry, const std::vector<std::string>& models);

  /// The handles of `model`; nullptr when it is not registered (its containers are not
  /// counted: the label stays bounded).
  model_container_metrics* of(std::string_view model);

  /// Registers a model added at run time; a known name is left as it is.
  void add_model(const std::string& name);

private:
  using table = std::unordered_map<std::string, model_container_metrics*>;

  metrics::registry& registry_;
  std::mutex registration_;
  std::vector<std::unique_ptr<model_container_metrics>> owned_;
  /// Every table published; readers may still use an older one, so none is freed early.
  std::vector<std::unique_ptr<const table>> tables_;
  std::atomic<const table*> current_{nullptr};
};

} // namespace janus::actors
