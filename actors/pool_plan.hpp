#pragma once

#include <caf/actor_clock.hpp>

#include <chrono>
#include <cstdint>
#include <vector>

#include "actors/messages.hpp"

/// The warm pool's policy as one pure function. A pool actor's handlers only record what happened
/// (a request queued, a container ready or gone, a tick); after every message the pool takes a
/// `pool_view` of its state, asks `decide()` what to do and applies the `pool_plan` it gets. So
/// every rule (replenish, reap, recycle, retire, call off, serve, fail) is in one place, runs
/// after every message, and is tested without actors.
namespace janus::actors {

using time_point = caf::actor_clock::time_point;

/// Where a container is in its pool's life.
enum class container_phase : std::uint8_t {
  /// Started, not ready yet (its supervisor probes it).
  starting,
  /// Takes leases.
  ready,
  /// Takes no new leases; stops after its last request.
  draining,
  /// Asked to stop; gone once its supervisor says so.
  stopping,
  /// Idle, out of rotation, being paused by its supervisor.
  pausing,
  /// Frozen (the paused tier): takes no leases and no health probes, holds its memory.
  paused,
  /// Being thawed and checked for a waiter or the warm target: capacity coming, like a start.
  resuming,
};

/// One container as the decision sees it.
struct container_view {
  std::uint64_t key = 0;
  container_phase state = container_phase::starting;
  int inflight = 0;
  std::uint64_t served = 0;
  /// Refused connections in a row (lease_slot::failures_in_row).
  int refusals_in_row = 0;
  time_point started_at;
  time_point last_used;
};

/// The part of a model's configuration the decision reads (a copy: cheap, no strings).
struct pool_policy {
  int min_warm = 1;
  int max_containers = 4;
  int max_concurrency = 4;
  std::chrono::milliseconds idle_ttl{300000};
  std::uint64_t max_requests = 0;
  std::chrono::milliseconds max_age{0};
  int failure_threshold = 3;
  /// Capacity kept above the demand peak, as a fraction of it (demand-following pre-warm).
  double prewarm_headroom = 0.25;
  /// The paused tier: idle containers beyond what the pool keeps ready are paused after this
  /// long without a request, up to `max_paused` at once; 0 max_paused = never (also when the
  /// runtime cannot pause).
  std::chrono::milliseconds pause_after{30000};
  int max_paused = 0;
  /// Prepared containers (created ahead, not started) the runtime keeps for the next cold starts;
  /// 0 = off (also when the runtime has nothing to prepare).
  int prepare_ahead = 0;
};

/// How the pool is ending, if it is.
enum class pool_ending : std::uint8_t {
  none,
  /// The engine shuts down: every container stops now.
  shutdown,
  /// The model was removed: containers drain and stop.
  removal,
};

/// What `decide()` reads: the pool's containers (by key, oldest first), its waiters, its policy
/// and the one-shot notes its handlers left since the last decision.
struct pool_view {
  pool_policy policy;
  std::vector<container_view> containers;
  /// Requests queued in the pool.
  int waiters = 0;
  /// No container starts before this (back-off after failed starts).
  time_point start_allowed_at;
  pool_ending ending = pool_ending::none;
  /// The router was told that min_warm was reached.
  bool warm_reached = false;
  /// Seeds the spread of max_age (recycle_age()).
  std::uint64_t jitter_seed = 0;
  /// A waiter left (withdrawn or timed out) since the last decision: starts nobody needs are
  /// called off.
  bool waiter_left = false;
  /// The operator lowered min_warm: idle containers above it stop now, without idle_ttl.
  bool min_warm_lowered = false;
  /// Keys of containers the operator asked to drain (admin drain).
  std::vector<std::uint64_t> drain_asked;
  /// The highest demand (requests in flight plus queued) of the recent window (demand_window);
  /// 0 when demand-following pre-warm is off.
  int demand_peak = 0;
  /// Prepared containers of the model the runtime holds, as the pool knows it: what the last
  /// prepare reported, less one for each start since (a start takes one when there is one).
  int prepared = 0;
  /// A prepare (or a discard) is under way in the runtime.
  bool preparing = false;
  /// No prepare before this (back-off after failed prepares).
  time_point prepare_allowed_at;
};

/// Why the plan stops or retires a container: for the pool's logs and the stop reason.
enum class plan_cause : std::uint8_t {
  /// Idle for idle_ttl above what the pool keeps.
  idle_ttl,
  /// A start that no waiter and no target needs any more.
  unneeded_start,
  /// Above max_containers after a scale.
  surplus,
  /// min_warm was lowered.
  min_warm_lowered,
  max_requests,
  max_age,
  /// Refused failure_threshold connections in a row.
  refusals,
  /// Drained and its last request ended.
  drained,
  /// Drain asked by the operator.
  drain,
  /// The model was removed.
  removal,
  shutdown,
  /// Paused after pause_after idle (the paused tier).
  pause_after,
  /// Resumed for waiters, min_warm or the warm target.
  resume,
};

/// One step of a plan.
struct pool_action {
  enum class kind : std::uint8_t {
    /// Stop container `key` now (its slots close, requests in flight are cut).
    stop,
    /// Stop container `key` if nothing took a slot of it meanwhile (skipped otherwise).
    stop_idle,
    /// Take container `key` out of rotation: stopped now when idle, after its last request
    /// otherwise.
    retire,
    /// Hand free slots to the waiters, oldest first.
    serve,
    /// Start `count` containers.
    start,
    /// Fail every waiter: nothing serves or starts, or the pool is ending.
    fail_waiters,
    /// Tell the router that min_warm was reached (once).
    announce_warm,
    /// Pause idle ready container `key` if nothing took a slot of it meanwhile (skipped
    /// otherwise).
    pause,
    /// Resume paused container `key`.
    resume,
    /// Have the runtime prepare containers until `count` are prepared (created, not started).
    prepare,
    /// Have the runtime remove the model's prepared containers.
    discard_prepared,
  };

  kind what = kind::serve;
  std::uint64_t key = 0;
  int count = 0;
  stop_reason reason = stop_reason::idle;
  plan_cause cause = plan_cause::idle_ttl;
};

/// The steps to take, in order.
using pool_plan = std::vector<pool_action>;

/// What the pool does now, given `view` at `now`. Pure: the same view and time give the same
/// plan. The plan is complete: once applied (and absent races with the I/O threads, which take
/// slots meanwhile), deciding again on the new state gives an empty plan.
///
/// The rules, in order (each sees the effect of the ones before):
/// 1. Ending: shutdown stops every container; removal retires ready ones and stops the others
///    (starting, paused); waiters fail. Nothing else.
/// 2. A draining container with nothing in flight stops; drains the operator asked retire ready
///    containers and stop starting and paused ones.
/// 3. A ready container retires after failure_threshold refusals in a row, after max_requests
///    served, or at its recycle_age() of max_age; a paused one stops at that age.
/// 4. Above max_containers (held containers: live and paused): paused containers stop, then idle
///    ready ones, then starting ones, then busy ones drain.
/// 5. Paused containers stop after idle_ttl since their last request. Idle ready containers
///    (idle_ttl without a request, longest idle first) stop while spare containers exceed
///    min_warm and live ones the warm target; all idle ones above them when min_warm was lowered.
/// 6. The paused tier (max_paused > 0): idle ready containers (pause_after without a request,
///    longest idle first) are paused while spare containers exceed min_warm, live ones the warm
///    target, and fewer than max_paused are paused or pausing.
/// 7. When a waiter left: starting containers no waiter fills stop, youngest first, while spare
///    containers exceed min_warm and live ones the warm target.
/// 8. Waiters get the free slots of ready containers.
/// 9. Capacity comes (a paused container resumes, the most recently used first; else one
///    starts, up to max_containers held, not before start_allowed_at): one per max_concurrency
///    waiters not covered by starting and resuming containers, then until min_warm containers
///    are spare, then until the live ones reach the warm target.
/// 10. Waiters fail when nothing serves or will (no live or pausing container); the router
///    learns once that min_warm is ready.
/// 11. Prepared containers (prepare_ahead > 0): each start of rule 9 takes one. When fewer than
///    prepare_ahead are prepared, no prepare is under way, no container is starting (so the
///    runtime has taken what the starts take) and neither starts nor prepares are in back-off,
///    the runtime prepares up to prepare_ahead. Ending (any way), or prepare_ahead 0 while some
///    are prepared: they are discarded.
///
/// Live containers are starting, ready or resuming ones. Spare containers are ready ones with
/// nothing in flight plus starting and resuming ones no waiter fills (waiters fill resuming ones
/// first). The warm target is warm_target(): the containers the recent demand peak needs.
pool_plan decide(const pool_view& view, time_point now);

/// The containers that serve `peak` requests at once with `headroom` to spare:
/// ceil((peak + floor(peak × headroom)) / max_concurrency), at most max_containers; 0 for no
/// demand. The headroom counts whole requests, so a lone request never starts a second container.
int warm_target(const pool_policy& policy, int peak);

/// The age at which the container at `key` is recycled: a point in the last tenth of `max_age`
/// (between 0.9 × and 1 × max_age), drawn from `seed` and `key`, so containers started together
/// recycle spread over a tenth of max_age instead of all at once; the same seed and key always
/// give the same age. Zero when max_age is zero (never).
std::chrono::milliseconds recycle_age(std::chrono::milliseconds max_age, std::uint64_t seed,
                                      std::uint64_t key);

} // namespace janus::actors
