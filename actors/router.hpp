#pragma once

#include <caf/stateful_actor.hpp>

#include <chrono>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/admin_messages.hpp"
#include "actors/messages.hpp"
#include "actors/pool.hpp"

namespace janus::actors {

/// How the router looks after its pools and what it allows the admin API.
struct router_options {
  /// Ceilings on models added at run time; scaling such a model is held to them too.
  admin_limits limits;
  /// A pool that dies is restarted at once at most this many times within `restart_window`; a
  /// further restart waits until the window allows it (a crash loop does not spin).
  int restart_limit = 5;
  std::chrono::milliseconds restart_window{60000};
  /// Pools for requests' model names that are image references (docker.model_as_image,
  /// image_pool_template, max_image_pools; model/image_pools.hpp). `docker.model_as_image`
  /// false: an unknown model is always unknown. Its registries' credentials are not needed here.
  docker_config docker;
  /// How often image pools are looked at for idleness; one idle (no containers, no requests)
  /// for the template's idle_ttl is removed.
  std::chrono::milliseconds image_pool_check{1000};
};

/// A changed model's new pool, spawned by a reload, that takes over from the running one once it
/// reached min_warm (or at its deadline). Its gate is published only then.
struct pool_swap {
  model_config config;
  caf::actor pool;
  std::shared_ptr<pool_gate> gate;
  /// Tells this swap's deadline from a later swap's of the same model.
  std::uint64_t id = 0;
};

/// The reload being applied: the changed models' new pools not yet in service, and its answer.
struct reload_run {
  std::unordered_map<std::string, pool_swap> swaps;
  reload_applied applied;
  reply_once<result<reload_applied>> reply;
};

struct router_state {
  /// Model name → its pool.
  std::unordered_map<std::string, caf::actor> pools;
  /// Model names in configuration order.
  std::vector<std::string> names;
  /// Model name → the configuration its pool was spawned from (and is restarted from).
  std::unordered_map<std::string, model_config> configs;
  /// Models added through the admin API: admin.limits apply to their scaling.
  std::set<std::string> added;
  /// Model name → when its pool died and was restarted, within the restart window.
  std::unordered_map<std::string, std::deque<caf::actor_clock::time_point>> restarts;
  /// Models whose pool died in a crash loop and waits for its restart, with when it is due.
  std::unordered_map<std::string, caf::actor_clock::time_point> restarting;
  /// Pools removed through the admin API whose containers still drain: the name is not free
  /// again before they quit.
  std::unordered_multimap<std::string, caf::actor> retiring;
  /// The reload being applied (one at a time): until every changed model's new pool took over.
  std::optional<reload_run> reload;
  std::uint64_t next_swap = 1;
  /// Pools made for requests' model names that are image references, and since when each one
  /// was seen idle (no containers, nothing waiting or in flight).
  std::set<std::string> image_pools;
  std::unordered_map<std::string, caf::actor_clock::time_point> idle_since;
  bool image_check_scheduled = false;
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
///
/// A reload (`reload_atom`) removes, adds and changes models in one message. A changed model's
/// new pool starts beside the running one, which keeps serving; once the new pool reached
/// min_warm (at the latest after the new settings' startup_timeout) it takes over: the directory
/// and the router send new requests to it, and the old pool drains like a removed one but hands
/// the requests it still holds queued to its successor.
///
/// The router monitors its pools: one that dies other than by its removal or the shutdown (a
/// bug, an exception) is logged with its exit reason and restarted from its configuration, under
/// `options.restart_limit`; the requests it held are answered by their messages (reply_once). When
/// the router goes, its pools go with it (they are linked to it).
///
/// With `options.docker.model_as_image`, a lease for a model that is not configured but is a
/// valid image reference (allowed by admin.limits.allowed_images, fewer than max_image_pools of
/// them) makes a pool from `docker.image_pool_template` first; the router looks at those pools
/// every `image_pool_check` and removes one that stayed idle for the template's idle_ttl (as
/// DELETE /admin/models would: a request that reaches it meanwhile gets a 404 and may ask again).
caf::behavior router(caf::stateful_actor<router_state>* self, std::vector<model_config> models,
                     pool_deps deps, std::shared_ptr<pool_directory> directory,
                     router_options options);

} // namespace janus::actors
