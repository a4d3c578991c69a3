#pragma once

#include <caf/stateful_actor.hpp>

#include <string>
#include <unordered_map>

#include "actors/messages.hpp"

namespace janus::actors {

/// One container under periodic health probes.
struct watched_container {
  endpoint target;
  health_config health;
  caf::actor supervisor;
  int failures = 0;
  bool in_flight = false;
};

struct health_checker_state {
  std::unordered_map<std::string, watched_container> watched;
  prober probe;

  static inline const char* name = "janus.health";
};

/// Probes every ready container's health path at its model's interval, all in parallel, each
/// with its timeout; after `threshold` failures in a row tells the container's supervisor it is
/// unhealthy (the supervisor replaces it). Probes are asynchronous: nothing here waits.
caf::behavior health_checker(caf::stateful_actor<health_checker_state>* self, prober probe);

} // namespace janus::actors
