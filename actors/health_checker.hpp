#pragma once

#include <caf/stateful_actor.hpp>

#include <string>
#include <unordered_map>

#include "actors/container_metrics.hpp"
#include "actors/messages.hpp"

namespace janus::actors {

/// One container under periodic health probes.
struct watched_container {
  endpoint target;
  health_config health;
  caf::actor supervisor;
  /// The model's health check counters; null when not counted.
  model_container_metrics* counts = nullptr;
  int failures = 0;
  bool in_flight = false;
};

struct health_checker_state {
  std::unordered_map<std::string, watched_container> watched;
  prober probe;
  container_metrics* metrics = nullptr;

  static inline const char* name = "janus.health";
};

/// Probes every ready container's health path at its model's interval, all in parallel, each
/// with its timeout; after `threshold` failures in a row tells the container's supervisor it is
/// unhealthy (the supervisor replaces it). Probes are asynchronous: nothing here waits. Counts
/// every probe in `metrics` (may be null) under the model named by the watch message.
caf::behavior health_checker(caf::stateful_actor<health_checker_state>* self, prober probe,
                             container_metrics* metrics);

} // namespace janus::actors
