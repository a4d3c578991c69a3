#pragma once

#include <caf/stateful_actor.hpp>

#include <chrono>
#include <string>
#include <unordered_map>

#include "actors/container_metrics.hpp"
#include "actors/messages.hpp"

namespace janus::actors {

/// How often the health checker looks for probes that are due, while it watches any container.
/// A probe goes out at most this late; the probes due in one sweep go out together and their
/// answers come back in one message, so a thousand containers cost a few wake-ups of the actor
/// thread a second instead of two per probe.
constexpr auto health_sweep_period = std::chrono::milliseconds(100);

/// One container under periodic health probes.
struct watched_container {
  endpoint target;
  health_config health;
  caf::actor supervisor;
  /// The model's health check counters, held while watched; null when not counted.
  std::shared_ptr<model_container_metrics> counts;
  int failures = 0;
  bool in_flight = false;
  /// When the next probe is due: one interval after the watch, then after each answer.
  caf::actor_clock::time_point due;
};

struct health_checker_state {
  std::unordered_map<std::string, watched_container> watched;
  prober probe;
  container_metrics* metrics = nullptr;
  /// A sweep is scheduled (there is one at a time, and none while nothing is watched).
  bool sweep_pending = false;
  /// Probes janusd could not send since the last warning about them (one a second at most).
  std::size_t not_sent = 0;
  caf::actor_clock::time_point not_sent_logged;

  static inline const char* name = "janus.health";
};

/// Probes every ready container's health path at its model's interval, each with its timeout;
/// after `threshold` failures in a row tells the container's supervisor it is unhealthy (the
/// supervisor replaces it). A probe janusd could not send (out of file descriptors) is logged
/// and counts neither way: it says nothing about the container. Every `health_sweep_period` it
/// sends the probes that are due, all in parallel; their answers are handled together once the
/// last one came (each probe ends within its timeout). Probes are asynchronous: nothing here
/// waits. Counts every probe in `metrics` (may be null) under the model named by the watch
/// message.
caf::behavior health_checker(caf::stateful_actor<health_checker_state>* self, prober probe,
                             container_metrics* metrics);

} // namespace janus::actors
