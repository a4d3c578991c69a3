#pragma once

#include <caf/stateful_actor.hpp>

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/messages.hpp"
#include "actors/pool.hpp"

namespace janus::actors {

struct router_state {
  /// Model name → its pool.
  std::unordered_map<std::string, caf::actor> pools;
  /// Model names in configuration order.
  std::vector<std::string> names;
  /// Pools removed through the admin API whose containers still drain: the name is not free
  /// again before they quit.
  std::unordered_map<std::string, caf::actor> retiring;
  /// Pools that have reached min_warm at least once.
  std::set<std::string> warm;
  bool shutting_down = false;

  static inline const char* name = "janus.router";
};

/// The engine's entry to the pools: owns model name → pool, forwards the leases that need a pool
/// actor to the right pool, answers the model list and readiness, and shuts every pool down. The
/// admin API adds and removes models (a removed pool drains before it quits) and scales or drains
/// pools. Every pool's gate is listed in `directory` while the model exists, for the lease fast
/// path (actors/lease_gate.hpp); ended leases reach their pool through the gate.
caf::behavior router(caf::stateful_actor<router_state>* self, std::vector<model_config> models,
                     pool_deps deps, std::shared_ptr<pool_directory> directory);

} // namespace janus::actors
