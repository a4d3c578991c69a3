#include "actors/pool.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <deque>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/actors/pool_fixture.hpp"

namespace janus::actors {
namespace {

using namespace std::chrono_literals;

/// Demand-following pre-warm on the deterministic coordinator: a load of so many requests at once
/// for so long, each request holding its slot for `service` and leasing as the I/O threads do
/// (the gate first, the pool when no slot is free), and containers that take `boot` to start.
class pool_prewarm : public test_kit::pool_fixture {
protected:
  /// min_warm 0, max_containers 8, max_concurrency 2, idle_ttl 1 s, headroom 0.25.
  static model_config step_model(std::chrono::milliseconds window) {
    auto model = small_model();
    model.min_warm = 0;
    model.max_containers = 8;
    model.max_concurrency = 2;
    model.idle_ttl = 1s;
    model.queue_limit = 64;
    model.queue_timeout = 20s;
    model.prewarm_window = window;
    model.prewarm_headroom = 0.25;
    return model;
  }

  /// How the requests of one step were served.
  struct step_result {
    int requests = 0;
    int cold = 0;
  };

  /// Keeps `concurrency` requests in flight for `how_long` (0: none, time just passes).
  step_result run_step(int concurrency, std::chrono::milliseconds how_long) {
    step_result out;
    auto end = sys_.now() + how_long;
    while (sys_.now() < end) {
      bring_up_booted();
      end_served();
      while (static_cast<int>(held_.size() + queued_.size()) < concurrency) {
        http::acquire_request request{"m", "step", default_timeout, {}};
        ++out.requests;
        if (auto fast = try_lease(*gate_, request)) {
          held_.push_back({std::move(*fast), sys_.now()});
          continue;
        }
        queued_.push_back(acquire());
      }
      for (auto it = queued_.begin(); it != queued_.end();) {
        if ((*it)->calls == 0) {
          ++it;
          continue;
        }
        auto granted = leased(**it);
        out.cold += granted.kind == start_kind::cold ? 1 : 0;
        held_.push_back({std::move(granted), sys_.now()});
        it = queued_.erase(it);
      }
      note_starts();
      sys_.advance(step);
    }
    return out;
  }

  /// Ends every request and lets the pool settle.
  void end_all_requests() {
    while (!queued_.empty() || !held_.empty()) {
      bring_up_booted();
      for (auto it = queued_.begin(); it != queued_.end();) {
        if ((*it)->calls == 0) {
          ++it;
          continue;
        }
        held_.push_back({leased(**it), sys_.now()});
        it = queued_.erase(it);
      }
      for (auto& [held, since] : held_) {
        release(held);
      }
      held_.clear();
      note_starts();
      sys_.advance(step);
    }
  }

  int live() {
    auto s = status();
    return s.starting + s.ready;
  }

  static constexpr auto step = 50ms;
  static constexpr auto service = 500ms;
  static constexpr auto boot = 300ms;

private:
  void note_starts() {
    while (start_times_.size() < runtime_.starts()) {
      start_times_.push_back(sys_.now());
    }
  }

  void bring_up_booted() {
    note_starts();
    for (std::size_t i = 0; i < start_times_.size(); ++i) {
      if (runtime_.start_at(i).state == test_kit::fake_runtime::start_call::phase::pending
          && sys_.now() - start_times_[i] >= boot) {
        bring_up(i);
      }
    }
  }

  void end_served() {
    for (auto it = held_.begin(); it != held_.end();) {
      if (sys_.now() - it->second >= service) {
        release(it->first);
        it = held_.erase(it);
      } else {
        ++it;
      }
    }
  }

  std::vector<caf::actor_clock::time_point> start_times_;
  std::deque<std::pair<lease, caf::actor_clock::time_point>> held_;
  std::deque<std::shared_ptr<test_kit::lease_reply>> queued_;
};

TEST_F(pool_prewarm, the_step_profile_meets_no_cold_start_in_its_second_step) {
  spawn_pool(step_model(30s));
  run_step(0, 2s);
  auto first = run_step(8, 10s);
  run_step(0, 4s);
  auto second = run_step(8, 10s);
  end_all_requests();
  std::cout << "step profile 0:2s,8:10s,0:4s,8:10s with pre-warm: cold " << first.cold << " of "
            << first.requests << " in the first step, " << second.cold << " of " << second.requests
            << " in the second\n";
  EXPECT_GT(first.cold, 0) << "nothing ran before the first step";
  EXPECT_EQ(second.cold, 0) << "the dip of 4 s is within the window: the capacity stayed";
  EXPECT_GT(second.requests, 100);
}

TEST_F(pool_prewarm, without_it_the_dip_costs_cold_starts_in_the_second_step) {
  spawn_pool(step_model(0ms));
  run_step(0, 2s);
  run_step(8, 10s);
  run_step(0, 4s);
  auto second = run_step(8, 10s);
  end_all_requests();
  std::cout << "step profile 0:2s,8:10s,0:4s,8:10s without pre-warm: cold " << second.cold
            << " of " << second.requests << " in the second step\n";
  EXPECT_GT(second.cold, 0) << "idle_ttl 1 s reaped the containers in the dip";
}

TEST_F(pool_prewarm, a_rising_demand_keeps_headroom_ahead_of_the_requests) {
  spawn_pool(step_model(30s));
  run_step(6, 3s);
  // 6 at once need 3 containers of 2; 6 x 1.25 / 2 rounds up to 4.
  EXPECT_EQ(live(), 4);
  EXPECT_EQ(status().warm_target, 4) << "the admin listing and the metric show what the plan follows";
  end_all_requests();
}

TEST_F(pool_prewarm, without_demand_the_pool_follows_only_the_requests) {
  spawn_pool(step_model(0ms));
  run_step(6, 3s);
  EXPECT_EQ(live(), 3);
  EXPECT_EQ(status().warm_target, 0) << "no window, no target";
  end_all_requests();
}

TEST_F(pool_prewarm, the_capacity_decays_to_min_warm_once_the_peak_left_the_window) {
  spawn_pool(step_model(16s));
  run_step(8, 2s);
  end_all_requests();
  ASSERT_EQ(live(), 5);
  // The peak is remembered for 15 to 16 s (16 buckets of 1 s); then idle_ttl (1 s) reaps.
  sys_.advance(13s);
  EXPECT_EQ(live(), 5) << "the peak is still in the window";
  EXPECT_EQ(status().warm_target, 5);
  sys_.advance(5s);
  EXPECT_EQ(live(), 0) << "min_warm 0";
  EXPECT_EQ(status().warm_target, 0) << "the peak left the window";
}

TEST_F(pool_prewarm, leases_of_the_fast_path_between_two_messages_count_at_their_peak) {
  // Two requests at once, both leased and given back through the gate with no message of the
  // pool's own between them: the pool still sees a demand of 2, not what it happens to find in
  // flight when a message comes (1 here, at the poke of the first lease).
  auto model = step_model(30s);
  model.min_warm = 2;
  model.max_concurrency = 1;
  spawn_pool(model);
  bring_up(0);
  bring_up(1);
  ASSERT_EQ(live(), 2);
  EXPECT_EQ(status().warm_target, 0) << "no demand yet (min_warm is the floor, not a target)";
  http::acquire_request request{"m", "fast", default_timeout, {}};
  auto first = try_lease(*gate_, request);
  auto second = try_lease(*gate_, request);
  ASSERT_TRUE(first && second) << "two containers of max_concurrency 1";
  release(*first);
  release(*second);
  // 2 at once, headroom 0.25 of 2 rounded down, containers of 1: 2.
  EXPECT_EQ(status().warm_target, 2);
  sys_.advance(1s);
  EXPECT_EQ(status().warm_target, 2) << "remembered for the window";
}

TEST_F(pool_prewarm, the_warm_target_never_exceeds_max_containers) {
  auto model = step_model(30s);
  model.max_containers = 3;
  spawn_pool(model);
  run_step(20, 2s);
  EXPECT_EQ(runtime_.starts(), 3u);
  EXPECT_EQ(live(), 3);
  end_all_requests();
}

} // namespace
} // namespace janus::actors
