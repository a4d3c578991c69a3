#include "actors/pool_plan.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace janus::actors {

namespace {

using phase = container_phase;
using kind = pool_action::kind;

/// The view being decided on, with the plan's own effects applied as it grows. It counts the
/// containers per phase (and the idle ready ones) as it goes, so that a rule asking "how many"
/// per container costs O(1), not a pass over every container: with 1,000 containers a pass per
/// question made each decision O(n²) (bench/scale.sh: 59 % of janusd's CPU while 1,000 started).
/// Every change of a container's state or load goes through set() or add_start().
struct draft {
  draft(const pool_view& from, int warm_target) : view(from), target(warm_target) {
    for (const auto& c : view.containers) {
      count(c, 1);
    }
  }

  pool_view view;
  pool_plan plan;
  /// warm_target() of the view's demand peak.
  int target = 0;

  int count_in(phase wanted) const {
    return in_phase[static_cast<std::size_t>(wanted)];
  }

  /// `c` in phase `state` with `inflight` requests from now on.
  void set(container_view& c, phase state, int inflight) {
    count(c, -1);
    c.state = state;
    c.inflight = inflight;
    count(c, 1);
  }

  void set(container_view& c, phase state) {
    set(c, state, c.inflight);
  }

  /// A container that the plan starts.
  void add_start(container_view c) {
    view.containers.push_back(c);
    count(c, 1);
  }

  /// Containers that serve or will serve: starting, ready or resuming.
  int live() const {
    return count_in(phase::starting) + count_in(phase::ready) + count_in(phase::resuming);
  }

  /// Paused containers and those being paused (the paused tier).
  int frozen() const {
    return count_in(phase::pausing) + count_in(phase::paused);
  }

  /// The containers max_containers bounds: live and paused ones.
  int held() const {
    return live() + frozen();
  }

  /// Containers the waiters will fill when they come: one per max_concurrency waiters.
  int claimed() const {
    return (view.waiters + view.policy.max_concurrency - 1) / view.policy.max_concurrency;
  }

  /// Starting containers the waiters will not fill (they fill resuming ones first).
  int unclaimed_starting() const {
    auto left = std::max(0, claimed() - count_in(phase::resuming));
    return std::max(0, count_in(phase::starting) - left);
  }

  /// Starting and resuming containers the waiters will not fill.
  int unclaimed_coming() const {
    return std::max(0, count_in(phase::starting) + count_in(phase::resuming) - claimed());
  }

  /// Ready containers with nothing in flight, and coming ones the waiters will not fill.
  int spare() const {
    return idle_ready_count + unclaimed_coming();
  }

  bool is_frozen(const container_view& c) const {
    return c.state == phase::pausing || c.state == phase::paused;
  }

  void stop(container_view& c, kind how, stop_reason reason, plan_cause cause) {
    plan.push_back(pool_action{how, c.key, 0, reason, cause});
    set(c, phase::stopping);
  }

  void retire(container_view& c, stop_reason reason, plan_cause cause) {
    plan.push_back(pool_action{kind::retire, c.key, 0, reason, cause});
    set(c, c.inflight == 0 ? phase::stopping : phase::draining);
  }

  static bool idle_ready(const container_view& c) {
    return c.state == phase::ready && c.inflight == 0;
  }

private:
  void count(const container_view& c, int sign) {
    in_phase[static_cast<std::size_t>(c.state)] += sign;
    idle_ready_count += idle_ready(c) ? sign : 0;
  }

  static constexpr std::size_t phases = static_cast<std::size_t>(phase::resuming) + 1;
  std::array<int, phases> in_phase{};
  int idle_ready_count = 0;
};

/// Rule 11's end: the runtime removes what it prepared (none is left behind by an ending pool).
void discard_prepared(draft& d) {
  if (d.view.prepared > 0 || d.view.preparing) {
    d.plan.push_back(pool_action{kind::discard_prepared});
    d.view.prepared = 0;
    d.view.preparing = false;
  }
}

void end_pool(draft& d) {
  discard_prepared(d);
  if (d.view.waiters > 0) {
    d.plan.push_back(pool_action{kind::fail_waiters});
    d.view.waiters = 0;
  }
  for (auto& c : d.view.containers) {
    if (d.view.ending == pool_ending::shutdown) {
      if (c.state != phase::stopping) {
        d.stop(c, kind::stop, stop_reason::shutdown, plan_cause::shutdown);
      }
    } else if (c.state == phase::starting) {
      d.stop(c, kind::stop, stop_reason::shutdown, plan_cause::removal);
    } else if (d.is_frozen(c) || c.state == phase::resuming) {
      d.stop(c, kind::stop, stop_reason::recycled, plan_cause::removal);
    } else if (c.state == phase::ready) {
      d.retire(c, stop_reason::recycled, plan_cause::removal);
    } else if (c.state == phase::draining && c.inflight == 0) {
      d.stop(c, kind::stop, stop_reason::recycled, plan_cause::drained);
    }
  }
}

void finish_drains(draft& d) {
  for (auto& c : d.view.containers) {
    bool asked = std::find(d.view.drain_asked.begin(), d.view.drain_asked.end(), c.key)
                 != d.view.drain_asked.end();
    if (c.state == phase::draining && c.inflight == 0) {
      d.stop(c, kind::stop, stop_reason::recycled, plan_cause::drained);
    } else if (asked && c.state == phase::starting) {
      // Called off with the shutdown reason: no start failure, no back-off.
      d.stop(c, kind::stop, stop_reason::shutdown, plan_cause::drain);
    } else if (asked && c.state == phase::ready) {
      d.retire(c, stop_reason::recycled, plan_cause::drain);
    } else if (asked && (d.is_frozen(c) || c.state == phase::resuming)) {
      d.stop(c, kind::stop, stop_reason::recycled, plan_cause::drain);
    }
  }
}

void recycle(draft& d, time_point now) {
  const auto& policy = d.view.policy;
  for (auto& c : d.view.containers) {
    if (d.is_frozen(c) && policy.max_age > std::chrono::milliseconds::zero()
        && now - c.started_at >= recycle_age(policy.max_age, d.view.jitter_seed, c.key)) {
      d.stop(c, kind::stop, stop_reason::recycled, plan_cause::max_age);
      continue;
    }
    if (c.state != phase::ready) {
      continue;
    }
    if (c.refusals_in_row >= policy.failure_threshold) {
      d.retire(c, stop_reason::failing, plan_cause::refusals);
    } else if (policy.max_requests > 0 && c.served >= policy.max_requests) {
      d.retire(c, stop_reason::recycled, plan_cause::max_requests);
    } else if (policy.max_age > std::chrono::milliseconds::zero()
               && now - c.started_at >= recycle_age(policy.max_age, d.view.jitter_seed, c.key)) {
      d.retire(c, stop_reason::recycled, plan_cause::max_age);
    }
  }
}

void trim_surplus(draft& d) {
  auto surplus = [&d] { return d.held() - d.view.policy.max_containers; };
  for (auto& c : d.view.containers) {
    if (surplus() > 0 && d.is_frozen(c)) {
      d.stop(c, kind::stop, stop_reason::idle, plan_cause::surplus);
    }
  }
  for (auto& c : d.view.containers) {
    if (surplus() > 0 && d.idle_ready(c)) {
      d.stop(c, kind::stop_idle, stop_reason::idle, plan_cause::surplus);
    }
  }
  for (auto& c : d.view.containers) {
    if (surplus() > 0 && c.state == phase::starting) {
      d.stop(c, kind::stop, stop_reason::shutdown, plan_cause::surplus);
    }
  }
  for (auto& c : d.view.containers) {
    if (surplus() > 0 && c.state == phase::ready) {
      d.retire(c, stop_reason::idle, plan_cause::surplus);
    }
  }
}

void reap_idle(draft& d, time_point now) {
  const auto& policy = d.view.policy;
  for (auto& c : d.view.containers) {
    if (d.is_frozen(c) && now - c.last_used >= policy.idle_ttl) {
      d.stop(c, kind::stop, stop_reason::idle, plan_cause::idle_ttl);
    }
  }
  std::vector<container_view*> idle;
  for (auto& c : d.view.containers) {
    if (d.idle_ready(c) && (d.view.min_warm_lowered || now - c.last_used >= policy.idle_ttl)) {
      idle.push_back(&c);
    }
  }
  std::stable_sort(idle.begin(), idle.end(),
                   [](const auto* a, const auto* b) { return a->last_used < b->last_used; });
  for (auto* c : idle) {
    if (d.spare() <= policy.min_warm || d.live() <= d.target) {
      break;
    }
    bool expired = now - c->last_used >= policy.idle_ttl;
    d.stop(*c, kind::stop_idle, stop_reason::idle,
           expired ? plan_cause::idle_ttl : plan_cause::min_warm_lowered);
  }
}

void pause_idle(draft& d, time_point now) {
  const auto& policy = d.view.policy;
  if (policy.max_paused <= 0) {
    return;
  }
  std::vector<container_view*> idle;
  for (auto& c : d.view.containers) {
    if (d.idle_ready(c) && now - c.last_used >= policy.pause_after) {
      idle.push_back(&c);
    }
  }
  std::stable_sort(idle.begin(), idle.end(),
                   [](const auto* a, const auto* b) { return a->last_used < b->last_used; });
  for (auto* c : idle) {
    if (d.frozen() >= policy.max_paused || d.spare() <= policy.min_warm || d.live() <= d.target) {
      break;
    }
    d.plan.push_back(pool_action{kind::pause, c->key, 0, stop_reason::idle, plan_cause::pause_after});
    d.set(*c, phase::pausing);
  }
}

void call_off_unneeded_starts(draft& d) {
  while (d.unclaimed_starting() > 0 && d.spare() > d.view.policy.min_warm && d.live() > d.target) {
    auto youngest = std::find_if(d.view.containers.rbegin(), d.view.containers.rend(),
                                 [](const auto& c) { return c.state == phase::starting; });
    if (youngest == d.view.containers.rend()) {
      return;
    }
    d.stop(*youngest, kind::stop, stop_reason::idle, plan_cause::unneeded_start);
  }
}

void serve(draft& d) {
  if (d.view.waiters == 0) {
    return;
  }
  bool any = false;
  for (auto& c : d.view.containers) {
    if (c.state != phase::ready || c.inflight >= d.view.policy.max_concurrency) {
      continue;
    }
    auto taken = std::min(d.view.waiters, d.view.policy.max_concurrency - c.inflight);
    d.set(c, c.state, c.inflight + taken);
    d.view.waiters -= taken;
    any = true;
    if (d.view.waiters == 0) {
      break;
    }
  }
  if (any) {
    d.plan.push_back(pool_action{kind::serve});
  }
}

void replenish(draft& d, time_point now) {
  const auto& policy = d.view.policy;
  int started = 0;
  auto start_one = [&] {
    // A paused container first: it serves within milliseconds, a start takes its boot.
    container_view* warmest = nullptr;
    if (d.count_in(phase::paused) > 0) {
      for (auto& c : d.view.containers) {
        if (c.state == phase::paused && (warmest == nullptr || c.last_used > warmest->last_used)) {
          warmest = &c;
        }
      }
    }
    if (warmest != nullptr) {
      d.set(*warmest, phase::resuming);
      d.plan.push_back(pool_action{kind::resume, warmest->key, 0, stop_reason::idle, plan_cause::resume});
      return true;
    }
    if (now < d.view.start_allowed_at || d.held() >= policy.max_containers) {
      return false;
    }
    container_view c;
    c.state = phase::starting;
    c.started_at = now;
    c.last_used = now;
    d.add_start(c);
    ++started;
    // The runtime starts a prepared container when it has one.
    d.view.prepared = std::max(0, d.view.prepared - 1);
    return true;
  };
  while (d.view.waiters
           > (d.count_in(phase::starting) + d.count_in(phase::resuming)) * policy.max_concurrency
         && start_one()) {
  }
  while (d.spare() < policy.min_warm && start_one()) {
  }
  while (d.live() < d.target && start_one()) {
  }
  if (started > 0) {
    d.plan.push_back(pool_action{kind::start, 0, started});
  }
}

void prepare_ahead(draft& d, time_point now) {
  const auto& policy = d.view.policy;
  if (policy.prepare_ahead <= 0) {
    if (d.view.prepared > 0) {
      discard_prepared(d);
    }
    return;
  }
  // While a container starts, the runtime may not have taken its prepared one yet: preparing
  // now would count that one as still there.
  if (d.view.prepared >= policy.prepare_ahead || d.view.preparing
      || d.count_in(phase::starting) > 0 || now < d.view.start_allowed_at
      || now < d.view.prepare_allowed_at) {
    return;
  }
  d.plan.push_back(pool_action{kind::prepare, 0, policy.prepare_ahead});
  d.view.preparing = true;
}

} // namespace

pool_plan decide(const pool_view& view, time_point now) {
  draft d{view, warm_target(view.policy, view.demand_peak)};
  if (view.ending != pool_ending::none) {
    end_pool(d);
    return std::move(d.plan);
  }
  finish_drains(d);
  recycle(d, now);
  trim_surplus(d);
  reap_idle(d, now);
  pause_idle(d, now);
  if (view.waiter_left) {
    call_off_unneeded_starts(d);
  }
  serve(d);
  replenish(d, now);
  if (d.view.waiters > 0 && d.live() == 0 && d.count_in(phase::pausing) == 0) {
    d.plan.push_back(pool_action{kind::fail_waiters});
  }
  if (!view.warm_reached && d.count_in(phase::ready) >= view.policy.min_warm) {
    d.plan.push_back(pool_action{kind::announce_warm});
  }
  prepare_ahead(d, now);
  return std::move(d.plan);
}

int warm_target(const pool_policy& policy, int peak) {
  if (peak <= 0) {
    return 0;
  }
  // Headroom in whole requests, rounded down: a lone request never starts a second container.
  auto extra = static_cast<std::int64_t>(std::floor(static_cast<double>(peak) * policy.prewarm_headroom));
  auto requests = static_cast<std::int64_t>(peak) + extra;
  auto wanted = (requests + policy.max_concurrency - 1) / policy.max_concurrency;
  return static_cast<int>(std::min<std::int64_t>(wanted, policy.max_containers));
}

std::chrono::milliseconds recycle_age(std::chrono::milliseconds max_age, std::uint64_t seed,
                                      std::uint64_t key) {
  // splitmix64 of seed and key: a well-spread 64-bit value, the same for the same inputs.
  std::uint64_t z = seed + key * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  auto fraction = static_cast<double>(z >> 11) / static_cast<double>(std::uint64_t{1} << 53);
  auto spread = static_cast<double>(max_age.count()) / 10.0;
  return max_age - std::chrono::milliseconds{static_cast<std::int64_t>(spread * fraction)};
}

} // namespace janus::actors
