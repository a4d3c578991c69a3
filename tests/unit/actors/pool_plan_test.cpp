#include "actors/pool_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace janus::actors {
namespace {

using namespace std::chrono_literals;
using kind = pool_action::kind;
using phase = container_phase;

const time_point t0{std::chrono::hours(1)};

/// min_warm 1, max_containers 4, max_concurrency 2, idle_ttl 10 s, failure_threshold 3.
pool_view view_with(std::vector<container_view> containers, int waiters = 0) {
  pool_view view;
  view.policy.min_warm = 1;
  view.policy.max_containers = 4;
  view.policy.max_concurrency = 2;
  view.policy.idle_ttl = 10s;
  view.policy.failure_threshold = 3;
  view.containers = std::move(containers);
  view.waiters = waiters;
  view.start_allowed_at = t0;
  view.warm_reached = true;
  return view;
}

container_view container(std::uint64_t key, phase state, int inflight = 0,
                         time_point last_used = t0) {
  container_view c;
  c.key = key;
  c.state = state;
  c.inflight = inflight;
  c.started_at = t0;
  c.last_used = last_used;
  return c;
}

int starts_in(const pool_plan& plan) {
  int n = 0;
  for (const auto& step : plan) {
    if (step.what == kind::start) {
      n += step.count;
    }
  }
  return n;
}

bool has(const pool_plan& plan, kind what, std::uint64_t key = 0) {
  return std::any_of(plan.begin(), plan.end(), [&](const pool_action& step) {
    return step.what == what && (key == 0 || step.key == key);
  });
}

/// The keys the plan stops or retires, in order.
std::vector<std::uint64_t> ended_in(const pool_plan& plan) {
  std::vector<std::uint64_t> keys;
  for (const auto& step : plan) {
    if (step.what == kind::stop || step.what == kind::stop_idle || step.what == kind::retire) {
      keys.push_back(step.key);
    }
  }
  return keys;
}

using keys = std::vector<std::uint64_t>;

// -- starts ----------------------------------------------------------------------------------

TEST(pool_plan, an_empty_pool_starts_min_warm_containers) {
  auto view = view_with({});
  view.policy.min_warm = 3;
  auto plan = decide(view, t0);
  EXPECT_EQ(starts_in(plan), 3);
}

TEST(pool_plan, a_pool_with_its_spare_containers_does_nothing) {
  auto plan = decide(view_with({container(1, phase::ready), container(2, phase::ready, 2)}), t0);
  EXPECT_TRUE(plan.empty());
}

TEST(pool_plan, nothing_starts_before_the_back_off_ends) {
  auto view = view_with({}, 3);
  view.start_allowed_at = t0 + 1s;
  view.containers.push_back(container(1, phase::ready, 2));
  EXPECT_EQ(starts_in(decide(view, t0 + 999ms)), 0);
  EXPECT_EQ(starts_in(decide(view, t0 + 1s)), 3) << "2 for 3 waiters at 2 each, 1 spare";
}

TEST(pool_plan, starts_one_container_per_max_concurrency_waiters_not_covered_by_starting_ones) {
  auto view = view_with({container(1, phase::ready, 2), container(2, phase::starting)}, 5);
  view.policy.min_warm = 0;
  view.policy.max_containers = 8;
  // 5 waiters at 2 a container need 3; one starts already.
  EXPECT_EQ(starts_in(decide(view, t0)), 2);
}

TEST(pool_plan, never_starts_beyond_max_containers) {
  auto view = view_with({container(1, phase::ready, 2), container(2, phase::starting)}, 40);
  view.policy.max_containers = 3;
  EXPECT_EQ(starts_in(decide(view, t0)), 1);
}

TEST(pool_plan, waiters_take_free_slots_before_any_container_starts_for_them) {
  auto view = view_with({container(1, phase::ready, 1), container(2, phase::ready)}, 3);
  auto plan = decide(view, t0);
  ASSERT_FALSE(plan.empty());
  EXPECT_EQ(plan.front().what, kind::serve);
  // 3 free slots serve the 3 waiters; both containers are then busy, so one starts as spare.
  EXPECT_EQ(starts_in(plan), 1);
}

TEST(pool_plan, waiters_fail_when_nothing_runs_and_nothing_can_start) {
  auto view = view_with({}, 2);
  view.start_allowed_at = t0 + 5s;
  auto plan = decide(view, t0);
  EXPECT_TRUE(has(plan, kind::fail_waiters));
  view.containers.push_back(container(1, phase::starting));
  EXPECT_FALSE(has(decide(view, t0), kind::fail_waiters)) << "a starting container will serve";
}

TEST(pool_plan, the_router_is_told_once_min_warm_containers_are_ready) {
  auto view = view_with({container(1, phase::starting)});
  view.warm_reached = false;
  EXPECT_FALSE(has(decide(view, t0), kind::announce_warm));
  view.containers[0].state = phase::ready;
  EXPECT_TRUE(has(decide(view, t0), kind::announce_warm));
  view.warm_reached = true;
  EXPECT_FALSE(has(decide(view, t0), kind::announce_warm));
}

// -- idle reaping ----------------------------------------------------------------------------

TEST(pool_plan, idle_containers_above_min_warm_stop_after_idle_ttl_the_longest_idle_first) {
  auto view = view_with({container(1, phase::ready, 0, t0 + 2s), container(2, phase::ready, 0, t0),
                         container(3, phase::ready, 0, t0 + 1s)});
  EXPECT_TRUE(ended_in(decide(view, t0 + 9s)).empty()) << "none idle for 10 s yet";
  EXPECT_EQ(ended_in(decide(view, t0 + 10s)), keys{2}) << "only 2 is idle long enough";
  EXPECT_EQ(ended_in(decide(view, t0 + 12s)), (keys{2, 3})) << "1 kept: min_warm";
  auto plan = decide(view, t0 + 12s);
  EXPECT_EQ(plan.front().what, kind::stop_idle);
  EXPECT_EQ(plan.front().cause, plan_cause::idle_ttl);
}

TEST(pool_plan, a_busy_container_is_never_reaped_however_long_ago_it_started) {
  auto view = view_with({container(1, phase::ready), container(2, phase::ready, 1)});
  view.policy.min_warm = 0;
  EXPECT_EQ(ended_in(decide(view, t0 + 1h)), keys{1});
}

TEST(pool_plan, lowering_min_warm_stops_idle_containers_above_it_at_once) {
  auto view = view_with({container(1, phase::ready), container(2, phase::ready),
                         container(3, phase::ready, 2)});
  view.min_warm_lowered = true;
  view.policy.min_warm = 1;
  EXPECT_EQ(ended_in(decide(view, t0)).size(), 1u);
}

// -- recycling and retiring ------------------------------------------------------------------

TEST(pool_plan, a_container_retires_after_failure_threshold_refusals_in_a_row) {
  auto view = view_with({container(1, phase::ready), container(2, phase::ready)});
  view.containers[1].refusals_in_row = 2;
  EXPECT_TRUE(ended_in(decide(view, t0)).empty());
  view.containers[1].refusals_in_row = 3;
  auto plan = decide(view, t0);
  EXPECT_EQ(ended_in(plan), keys{2});
  EXPECT_EQ(plan.front().reason, stop_reason::failing);
}

TEST(pool_plan, a_container_retires_after_max_requests_and_is_replaced) {
  auto view = view_with({container(1, phase::ready, 1)});
  view.policy.max_requests = 10;
  view.containers[0].served = 10;
  auto plan = decide(view, t0);
  EXPECT_EQ(ended_in(plan), keys{1});
  EXPECT_EQ(plan.front().what, kind::retire);
  EXPECT_EQ(plan.front().cause, plan_cause::max_requests);
  EXPECT_EQ(starts_in(plan), 1) << "min_warm 1 spare";
}

TEST(pool_plan, a_container_retires_at_its_recycle_age) {
  auto view = view_with({container(1, phase::ready)});
  view.policy.max_age = 100s;
  auto age = recycle_age(view.policy.max_age, view.jitter_seed, 1);
  EXPECT_TRUE(ended_in(decide(view, t0 + age - 1ms)).empty());
  EXPECT_EQ(ended_in(decide(view, t0 + age)), keys{1});
}

TEST(pool_plan, a_draining_container_stops_once_nothing_is_in_flight) {
  auto view = view_with({container(1, phase::draining, 1), container(2, phase::ready)});
  EXPECT_TRUE(ended_in(decide(view, t0)).empty());
  view.containers[0].inflight = 0;
  EXPECT_EQ(ended_in(decide(view, t0)), keys{1});
}

TEST(pool_plan, above_max_containers_idle_ones_stop_first_then_starting_then_busy_ones_drain) {
  auto view = view_with({container(1, phase::ready, 1), container(2, phase::starting),
                         container(3, phase::ready), container(4, phase::ready, 2)});
  view.policy.min_warm = 0;
  view.policy.max_containers = 1;
  auto plan = decide(view, t0);
  EXPECT_EQ(ended_in(plan), (keys{3, 2, 1}));
  EXPECT_EQ(plan[2].what, kind::retire);
}

TEST(pool_plan, a_drain_stops_idle_and_starting_containers_drains_busy_ones_and_replaces_them) {
  auto view = view_with({container(1, phase::ready, 1), container(2, phase::starting),
                         container(3, phase::ready)});
  view.drain_asked = {1, 2, 3};
  auto plan = decide(view, t0);
  EXPECT_EQ(ended_in(plan), (keys{1, 2, 3}));
  EXPECT_EQ(starts_in(plan), 1);
}

// -- waiters leaving -------------------------------------------------------------------------

TEST(pool_plan, when_a_waiter_left_starts_nobody_needs_are_called_off_the_youngest_first) {
  auto view = view_with({container(1, phase::ready, 2), container(2, phase::starting),
                         container(3, phase::starting), container(4, phase::starting)}, 1);
  EXPECT_TRUE(ended_in(decide(view, t0)).empty()) << "only after a waiter left";
  view.waiter_left = true;
  // One waiter claims one starting container, min_warm keeps one more.
  auto plan = decide(view, t0);
  EXPECT_EQ(ended_in(plan), keys{4});
  EXPECT_EQ(plan.front().cause, plan_cause::unneeded_start);
}

// -- ending ----------------------------------------------------------------------------------

TEST(pool_plan, shutdown_fails_waiters_stops_every_container_and_starts_nothing) {
  auto view = view_with({container(1, phase::ready, 1), container(2, phase::draining, 1),
                         container(3, phase::stopping)}, 2);
  view.ending = pool_ending::shutdown;
  auto plan = decide(view, t0);
  EXPECT_TRUE(has(plan, kind::fail_waiters));
  EXPECT_EQ(ended_in(plan), (keys{1, 2}));
  EXPECT_EQ(starts_in(plan), 0);
}

TEST(pool_plan, removal_drains_containers_and_starts_nothing) {
  auto view = view_with({container(1, phase::ready, 1), container(2, phase::starting)});
  view.ending = pool_ending::removal;
  auto plan = decide(view, t0);
  EXPECT_EQ(ended_in(plan), (keys{1, 2}));
  EXPECT_EQ(plan[0].what, kind::retire);
  EXPECT_EQ(starts_in(plan), 0);
}

// -- demand-following pre-warm ---------------------------------------------------------------

TEST(pool_plan, the_warm_target_serves_the_peak_with_headroom_and_stays_within_max_containers) {
  pool_policy policy;
  policy.max_concurrency = 2;
  policy.max_containers = 8;
  policy.prewarm_headroom = 0.25;
  EXPECT_EQ(warm_target(policy, 0), 0);
  EXPECT_EQ(warm_target(policy, 1), 1);
  EXPECT_EQ(warm_target(policy, 8), 5) << "(8 + 2) / 2";
  EXPECT_EQ(warm_target(policy, 3), 2) << "a quarter of 3 is no whole request: 3 / 2 rounded up";
  policy.max_concurrency = 1;
  EXPECT_EQ(warm_target(policy, 1), 1) << "a lone request starts no second container";
  EXPECT_EQ(warm_target(policy, 4), 5);
  policy.max_concurrency = 2;
  EXPECT_EQ(warm_target(policy, 100), 8);
  policy.prewarm_headroom = 0;
  EXPECT_EQ(warm_target(policy, 8), 4);
}

TEST(pool_plan, a_demand_peak_starts_containers_up_to_the_warm_target_beyond_min_warm) {
  auto view = view_with({container(1, phase::ready, 2), container(2, phase::ready, 2)});
  view.policy.min_warm = 0;
  view.demand_peak = 4;
  EXPECT_EQ(starts_in(decide(view, t0)), 1) << "(4 + 1) / 2 rounded up: 3 containers";
  view.demand_peak = 0;
  EXPECT_EQ(starts_in(decide(view, t0)), 0);
}

TEST(pool_plan, idle_containers_within_the_warm_target_are_kept_past_idle_ttl) {
  auto view = view_with({container(1, phase::ready), container(2, phase::ready),
                         container(3, phase::ready)});
  view.policy.min_warm = 0;
  view.demand_peak = 4;
  EXPECT_TRUE(ended_in(decide(view, t0 + 1h)).empty()) << "3 = the warm target";
  view.demand_peak = 3;
  EXPECT_EQ(ended_in(decide(view, t0 + 1h)).size(), 1u) << "the target fell to 2";
}

TEST(pool_plan, a_start_a_withdrawn_waiter_caused_is_kept_when_the_warm_target_needs_it) {
  auto view = view_with({container(1, phase::ready, 2), container(2, phase::starting)});
  view.policy.min_warm = 0;
  view.waiter_left = true;
  view.demand_peak = 3;
  EXPECT_TRUE(ended_in(decide(view, t0)).empty());
  view.demand_peak = 0;
  EXPECT_EQ(ended_in(decide(view, t0)), keys{2});
}

// -- the paused tier -------------------------------------------------------------------------

/// The keys the plan pauses (or resumes), in order.
std::vector<std::uint64_t> steps_in(const pool_plan& plan, kind what) {
  std::vector<std::uint64_t> found;
  for (const auto& step : plan) {
    if (step.what == what) {
      found.push_back(step.key);
    }
  }
  return found;
}

/// view_with() with the paused tier on: pause_after 2 s, max_paused 2.
pool_view pausing_view(std::vector<container_view> containers, int waiters = 0) {
  auto view = view_with(std::move(containers), waiters);
  view.policy.pause_after = 2s;
  view.policy.max_paused = 2;
  return view;
}

TEST(pool_plan, idle_containers_beyond_min_warm_are_paused_after_pause_after_the_longest_idle_first) {
  auto view = pausing_view({container(1, phase::ready, 0, t0 + 1s), container(2, phase::ready, 0, t0),
                            container(3, phase::ready, 0, t0 + 5s)});
  EXPECT_TRUE(decide(view, t0 + 1s).empty()); // none idle for 2 s yet
  auto plan = decide(view, t0 + 6s);
  EXPECT_EQ(steps_in(plan, kind::pause), (keys{2, 1}));
  EXPECT_TRUE(ended_in(plan).empty());
  EXPECT_EQ(starts_in(plan), 0);
}

TEST(pool_plan, no_more_than_max_paused_are_paused_and_the_others_stop_at_idle_ttl) {
  auto view = pausing_view({container(1, phase::ready, 0, t0), container(2, phase::ready, 0, t0),
                            container(3, phase::paused, 0, t0 + 5s), container(4, phase::ready)});
  view.policy.max_paused = 2;
  EXPECT_EQ(steps_in(decide(view, t0 + 3s), kind::pause), keys{1});
  view.containers[0].state = phase::paused;
  EXPECT_TRUE(decide(view, t0 + 3s).empty()); // two paused: the rest stays ready
  // At idle_ttl the paused one stops, and the ready ones beyond min_warm as before.
  EXPECT_EQ(ended_in(decide(view, t0 + 10s)), (keys{1, 2}));
}

TEST(pool_plan, containers_within_min_warm_or_the_warm_target_are_never_paused) {
  auto view = pausing_view({container(1, phase::ready), container(2, phase::ready)});
  view.policy.min_warm = 2;
  EXPECT_TRUE(steps_in(decide(view, t0 + 5s), kind::pause).empty());
  view.policy.min_warm = 0;
  view.policy.prewarm_headroom = 0;
  view.demand_peak = 4; // two containers of max_concurrency 2
  EXPECT_TRUE(steps_in(decide(view, t0 + 5s), kind::pause).empty());
  view.demand_peak = 2;
  EXPECT_EQ(steps_in(decide(view, t0 + 5s), kind::pause), keys{1});
}

TEST(pool_plan, max_paused_zero_pauses_nothing) {
  auto view = pausing_view({container(1, phase::ready), container(2, phase::ready)});
  view.policy.max_paused = 0;
  EXPECT_TRUE(decide(view, t0 + 5s).empty());
}

TEST(pool_plan, a_paused_container_stops_after_idle_ttl_since_its_last_request) {
  auto view = pausing_view({container(1, phase::ready), container(2, phase::paused, 0, t0)});
  EXPECT_TRUE(ended_in(decide(view, t0 + 9s)).empty());
  auto plan = decide(view, t0 + 10s);
  EXPECT_EQ(ended_in(plan), keys{2});
  EXPECT_EQ(plan.front().cause, plan_cause::idle_ttl);
}

TEST(pool_plan, a_waiter_resumes_the_most_recently_used_paused_container_before_any_start) {
  auto view = pausing_view({container(1, phase::ready, 2), container(2, phase::paused, 0, t0),
                            container(3, phase::paused, 0, t0 + 1s)}, 1);
  view.policy.min_warm = 0;
  auto plan = decide(view, t0 + 3s);
  EXPECT_EQ(steps_in(plan, kind::resume), keys{3});
  EXPECT_EQ(starts_in(plan), 0);
  EXPECT_FALSE(has(plan, kind::fail_waiters));
  // Five waiters need three containers: both paused ones resume, one starts.
  view.waiters = 5;
  plan = decide(view, t0 + 3s);
  EXPECT_EQ(steps_in(plan, kind::resume), (keys{3, 2}));
  EXPECT_EQ(starts_in(plan), 1);
}

TEST(pool_plan, a_resuming_container_is_capacity_coming_like_a_start) {
  auto view = pausing_view({container(1, phase::ready, 2), container(2, phase::resuming)}, 2);
  view.policy.min_warm = 0;
  auto plan = decide(view, t0);
  EXPECT_EQ(starts_in(plan), 0);
  EXPECT_FALSE(has(plan, kind::fail_waiters));
  // No waiter: the resuming one is spare, so min_warm needs no start either.
  view.waiters = 0;
  view.policy.min_warm = 1;
  EXPECT_TRUE(decide(view, t0).empty());
}

TEST(pool_plan, min_warm_is_refilled_by_a_resume_before_a_start_even_in_the_start_back_off) {
  auto view = pausing_view({container(1, phase::ready, 1), container(2, phase::paused)});
  view.start_allowed_at = t0 + 30s;
  auto plan = decide(view, t0 + 1s);
  EXPECT_EQ(steps_in(plan, kind::resume), keys{2});
  EXPECT_EQ(starts_in(plan), 0);
}

TEST(pool_plan, paused_containers_count_toward_max_containers_and_stop_first_above_it) {
  auto view = pausing_view({container(1, phase::ready, 2), container(2, phase::paused)}, 4);
  view.policy.max_containers = 2;
  auto plan = decide(view, t0);
  EXPECT_EQ(steps_in(plan, kind::resume), keys{2});
  EXPECT_EQ(starts_in(plan), 0);
  view = pausing_view({container(1, phase::ready), container(2, phase::paused),
                       container(3, phase::pausing)});
  view.policy.max_containers = 1;
  EXPECT_EQ(ended_in(decide(view, t0)), (keys{2, 3}));
}

TEST(pool_plan, a_waiter_does_not_fail_while_its_pools_only_container_is_being_paused) {
  auto view = pausing_view({container(1, phase::pausing)}, 1);
  view.policy.min_warm = 0;
  view.policy.max_containers = 1;
  auto plan = decide(view, t0);
  EXPECT_FALSE(has(plan, kind::fail_waiters));
  EXPECT_EQ(starts_in(plan), 0);
  // Once paused, it resumes for the waiter.
  view.containers[0].state = phase::paused;
  EXPECT_EQ(steps_in(decide(view, t0), kind::resume), keys{1});
}

TEST(pool_plan, shutdown_removal_and_drain_stop_paused_containers) {
  auto view = pausing_view({container(1, phase::ready), container(2, phase::paused),
                            container(3, phase::pausing), container(4, phase::resuming)});
  view.ending = pool_ending::shutdown;
  EXPECT_EQ(ended_in(decide(view, t0)), (keys{1, 2, 3, 4}));
  view.ending = pool_ending::removal;
  auto plan = decide(view, t0);
  EXPECT_EQ(ended_in(plan), (keys{1, 2, 3, 4}));
  EXPECT_EQ(plan[0].what, kind::retire);
  EXPECT_EQ(plan[1].what, kind::stop);
  view.ending = pool_ending::none;
  view.drain_asked = {2, 3, 4};
  EXPECT_EQ(ended_in(decide(view, t0)), (keys{2, 3, 4}));
}

TEST(pool_plan, a_paused_container_stops_at_its_recycle_age) {
  auto view = pausing_view({container(1, phase::ready), container(2, phase::paused, 0, t0 + 50s)});
  view.policy.max_age = 60s;
  view.policy.idle_ttl = 1h;
  EXPECT_TRUE(ended_in(decide(view, t0 + 50s)).empty());
  auto plan = decide(view, t0 + 60s);
  EXPECT_EQ(ended_in(plan), (keys{1, 2}));
}

// -- purity ----------------------------------------------------------------------------------

TEST(pool_plan, the_same_view_and_time_give_the_same_plan) {
  auto view = view_with({container(1, phase::ready, 0, t0), container(2, phase::ready, 2),
                         container(3, phase::starting)}, 3);
  view.policy.max_requests = 5;
  auto a = decide(view, t0 + 20s);
  auto b = decide(view, t0 + 20s);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].what, b[i].what);
    EXPECT_EQ(a[i].key, b[i].key);
    EXPECT_EQ(a[i].count, b[i].count);
  }
}

} // namespace
} // namespace janus::actors
