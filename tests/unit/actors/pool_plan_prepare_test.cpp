// pool_plan rule 11: prepared containers (created ahead, not started) for the next cold starts.
#include "actors/pool_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace janus::actors {
namespace {

using namespace std::chrono_literals;
using kind = pool_action::kind;
using phase = container_phase;

const time_point t0{std::chrono::hours(1)};

/// min_warm 0, max_containers 2, max_concurrency 1, one container prepared ahead.
pool_view view_with(std::vector<container_view> containers, int waiters = 0) {
  pool_view view;
  view.policy.min_warm = 0;
  view.policy.max_containers = 2;
  view.policy.max_concurrency = 1;
  view.policy.idle_ttl = 10min;
  view.policy.prepare_ahead = 1;
  view.containers = std::move(containers);
  view.waiters = waiters;
  view.start_allowed_at = t0;
  view.prepare_allowed_at = t0;
  view.warm_reached = true;
  return view;
}

container_view container(std::uint64_t key, phase state, int inflight = 0) {
  container_view c;
  c.key = key;
  c.state = state;
  c.inflight = inflight;
  c.started_at = t0;
  c.last_used = t0;
  return c;
}

int count_of(const pool_plan& plan, kind what) {
  return static_cast<int>(std::count_if(plan.begin(), plan.end(),
                                        [what](const pool_action& a) { return a.what == what; }));
}

const pool_action* find(const pool_plan& plan, kind what) {
  auto it = std::find_if(plan.begin(), plan.end(),
                         [what](const pool_action& a) { return a.what == what; });
  return it == plan.end() ? nullptr : &*it;
}

TEST(pool_plan_prepare, an_empty_pool_prepares_prepare_ahead_containers) {
  auto view = view_with({});
  view.policy.prepare_ahead = 2;
  auto plan = decide(view, t0);
  ASSERT_NE(find(plan, kind::prepare), nullptr);
  EXPECT_EQ(find(plan, kind::prepare)->count, 2);
  EXPECT_EQ(count_of(plan, kind::start), 0) << "min_warm 0: a prepare starts nothing";
}

TEST(pool_plan_prepare, nothing_is_prepared_when_enough_are_or_a_prepare_is_under_way) {
  auto view = view_with({container(1, phase::ready)});
  view.prepared = 1;
  EXPECT_TRUE(decide(view, t0).empty());
  view.prepared = 0;
  view.preparing = true;
  EXPECT_TRUE(decide(view, t0).empty());
}

TEST(pool_plan_prepare, a_start_takes_the_prepared_container_and_the_next_is_prepared_once_it_is_ready) {
  auto view = view_with({}, 1);
  view.prepared = 1;
  auto plan = decide(view, t0);
  EXPECT_EQ(count_of(plan, kind::start), 1);
  EXPECT_EQ(find(plan, kind::prepare), nullptr)
    << "while a container starts the runtime may not have taken its prepared one yet";
  // The start is under way: the pool counts the prepared one as taken, and waits.
  auto starting = view_with({container(1, phase::starting)}, 1);
  EXPECT_TRUE(decide(starting, t0).empty());
  // Ready and serving: the next cold start gets a prepared container again.
  auto ready = view_with({container(1, phase::ready, 1)});
  auto next = decide(ready, t0);
  ASSERT_NE(find(next, kind::prepare), nullptr);
  EXPECT_EQ(find(next, kind::prepare)->count, 1);
}

TEST(pool_plan_prepare, a_full_pool_keeps_one_prepared_for_the_replacement_of_a_container) {
  // max_containers bounds containers that run; a prepared one has no process and no memory, and
  // the next start (a recycle, a crash's replacement) takes it.
  auto view = view_with({container(1, phase::ready, 1), container(2, phase::ready, 1)});
  auto plan = decide(view, t0);
  EXPECT_NE(find(plan, kind::prepare), nullptr);
}

TEST(pool_plan_prepare, no_prepare_during_a_start_or_prepare_back_off) {
  auto view = view_with({});
  view.start_allowed_at = t0 + 5s;
  EXPECT_EQ(find(decide(view, t0), kind::prepare), nullptr) << "starts fail: so would a create";
  view.start_allowed_at = t0;
  view.prepare_allowed_at = t0 + 2s;
  EXPECT_EQ(find(decide(view, t0), kind::prepare), nullptr);
  EXPECT_NE(find(decide(view, t0 + 2s), kind::prepare), nullptr);
}

TEST(pool_plan_prepare, an_ending_pool_discards_what_is_prepared_or_being_prepared) {
  for (auto ending : {pool_ending::shutdown, pool_ending::removal}) {
    auto view = view_with({container(1, phase::ready)});
    view.ending = ending;
    view.prepared = 1;
    auto plan = decide(view, t0);
    EXPECT_EQ(count_of(plan, kind::discard_prepared), 1);
    EXPECT_EQ(find(plan, kind::prepare), nullptr);
    view.prepared = 0;
    view.preparing = true;
    EXPECT_EQ(count_of(decide(view, t0), kind::discard_prepared), 1)
      << "what the prepare under way makes is removed too";
    view.preparing = false;
    EXPECT_EQ(count_of(decide(view, t0), kind::discard_prepared), 0) << "nothing to discard";
  }
}

TEST(pool_plan_prepare, prepare_ahead_zero_prepares_nothing_and_discards_what_is_left) {
  auto view = view_with({});
  view.policy.prepare_ahead = 0;
  EXPECT_TRUE(decide(view, t0).empty());
  view.prepared = 1;
  auto plan = decide(view, t0);
  EXPECT_EQ(count_of(plan, kind::discard_prepared), 1);
}

TEST(pool_plan_prepare, the_plan_is_complete_once_the_prepare_is_under_way) {
  auto view = view_with({container(1, phase::ready)});
  auto plan = decide(view, t0);
  ASSERT_NE(find(plan, kind::prepare), nullptr);
  view.preparing = true; // what applying the plan does
  EXPECT_TRUE(decide(view, t0).empty());
}

} // namespace
} // namespace janus::actors
