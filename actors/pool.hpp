#pragma once

#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/admin_messages.hpp"
#include "actors/demand_window.hpp"
#include "actors/lease_gate.hpp"
#include "actors/messages.hpp"
#include "actors/pool_plan.hpp"
#include "actors/supervisor.hpp"

namespace janus::actors {

/// What a pool needs from the engine.
struct pool_deps {
  supervisor_deps supervisors;
  /// Environment every container gets (JANUS_* platform variables), under the model's own env.
  std::map<std::string, std::string> platform_env;
  /// Labels naming this engine instance, added to every container.
  std::map<std::string, std::string> labels;
  /// Period of the maintenance tick (idle reaping, recycling, min_warm, start back-off).
  std::chrono::milliseconds tick{1000};
  /// Containers an earlier run of the engine left running, by model name, that the runtime
  /// offered for adoption: each pool adopts its own at start instead of starting new ones.
  std::map<std::string, std::vector<container_info>> adoptable;
  /// Seeds the spread of max_age recycling (recycle_age()): random in the engine, fixed in tests.
  std::uint64_t jitter_seed = 0;
};

/// The spec of a new container of `model`: its command and image, the platform environment
/// under the model's own, the engine's labels plus `janus.model`, and the model's limits.
container_spec container_spec_for(const model_config& model, const pool_deps& deps);

/// One container as its pool sees it.
struct container_record {
  using phase = container_phase;

  caf::actor supervisor;
  phase state = phase::starting;
  container_info container;
  /// Its request slots, from ready on: in flight, served and failures live there.
  std::shared_ptr<lease_slot> slot;
  caf::actor_clock::time_point started_at;
  /// Last seen in use: set when a lease ends through the pool, and on the tick when the slot shows
  /// leases since the last one.
  caf::actor_clock::time_point last_used;
  std::uint64_t ended_seen = 0;
  /// From started_at to ready (zero until ready): a cold lease reports it.
  std::chrono::microseconds start_duration{0};
  /// When its last resume began, and how long that took to ready: a resumed lease reports it.
  caf::actor_clock::time_point resume_began;
  std::chrono::microseconds resume_duration{0};

  int inflight() const {
    return slot ? slot->inflight() : 0;
  }
  std::uint64_t served() const {
    return slot ? slot->served.load(std::memory_order_relaxed) : 0;
  }
};

/// A request waiting for a slot.
struct waiter {
  std::uint64_t id = 0;
  acquire_msg msg;
  caf::actor_clock::time_point since;
};

/// The state of one model's warm pool. See pool() for the policy.
struct pool_state {
  pool_state() = default;
  pool_state(const pool_state&) = delete;
  pool_state& operator=(const pool_state&) = delete;
  /// Unpublishes the slots (they point back at the gate).
  ~pool_state();

  model_config model;
  pool_deps deps;
  /// Shared with the I/O threads: the ready containers' slots and what the pool tells them.
  std::shared_ptr<pool_gate> gate;
  std::map<std::uint64_t, container_record> containers;
  std::deque<waiter> waiters;
  std::uint64_t next_key = 1;
  std::uint64_t next_waiter = 1;
  /// Start failures in a row; the next start waits until `start_allowed_at` (back-off).
  int failures_in_row = 0;
  caf::actor_clock::time_point start_allowed_at;
  std::string last_start_error;
  bool warm_reached = false;
  /// Notes for the next decision (pool_view): a waiter left, min_warm was lowered, drains asked.
  bool waiter_left = false;
  bool min_warm_lowered = false;
  std::vector<std::uint64_t> drain_asked;
  /// The slots served next are those of a container that just became ready (cold leases) or
  /// was just resumed (resumed leases).
  bool cold_serve = false;
  bool resumed_serve = false;
  /// Prepared containers of the model in the runtime as the pool knows it (pool_view::prepared),
  /// whether a prepare is under way, and the back-off after failed prepares.
  int prepared = 0;
  bool preparing = false;
  int prepare_failures_in_row = 0;
  caf::actor_clock::time_point prepare_allowed_at;
  /// Containers paused, and resumed, since the pool began.
  std::uint64_t pauses = 0;
  std::uint64_t resumes = 0;
  /// Recent demand peaks, for the warm target (demand-following pre-warm).
  demand_window demand;
  /// The warm target last logged.
  int warm_target = 0;
  /// Told once that min_warm was reached.
  caf::actor router;
  bool shutting_down = false;
  /// Removed through the admin API: takes no new work, quits once its containers are gone.
  bool removing = false;
  /// Replaced by a reload: the pool of the model's new settings, which gets the requests this one
  /// still receives or holds queued.
  caf::actor successor;
  caf::response_promise shutdown_promise;
  std::uint64_t starts = 0;
  std::uint64_t start_failures = 0;
  /// Requests served by containers that are gone.
  std::uint64_t served_by_gone = 0;

  static inline const char* name = "janus.pool";
};

/// A model's warm pool. Routes each lease to the ready container with a free slot and the fewest
/// requests in flight, preferring one that served before; starts containers on demand up to
/// `max_containers`; queues requests (bounded, with deadlines) when every slot is busy; keeps at
/// least `min_warm` containers; stops idle ones above that after `idle_ttl`; recycles after
/// `max_requests` or `max_age`; replaces containers that die or fail health checks, with
/// back-off after failed starts; beyond min_warm keeps the containers the recent demand peak needs
/// (demand-following pre-warm, docs/pool.md). Tells `router` once when min_warm was first reached.
/// At start it first adopts the containers `deps.adoptable` offers for its model (they are probed
/// like new ones), then starts what min_warm still lacks. Every handler only records what happened;
/// the decisions are decide()'s (actors/pool_plan.hpp), taken after every message.
///
/// Leases of ready containers mostly bypass the actor: the pool publishes its ready containers'
/// slots through `gate` (actors/lease_gate.hpp), which the I/O threads lease from directly; the
/// pool hears of what changes its decisions. `gate->pool` must be set to the spawned actor
/// before anything leases through the gate.
caf::behavior pool(caf::stateful_actor<pool_state>* self, model_config model, pool_deps deps,
                   caf::actor router, std::shared_ptr<pool_gate> gate);

} // namespace janus::actors
