// The pool's admin operations (scale, drain, removal) on the deterministic actor system.

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/admin_messages.hpp"
#include "tests/unit/actors/pool_fixture.hpp"

namespace janus::actors {
namespace {

using namespace std::chrono_literals;
using strings = std::vector<std::string>;

class pool_admin : public test_kit::pool_fixture {
protected:
  std::optional<result<pool_status>> scale(std::optional<int> min_warm,
                                           std::optional<int> max_containers) {
    auto answer = std::make_shared<std::optional<result<pool_status>>>();
    scale_request change{min_warm, max_containers};
    caf::anon_send(pool_, scale_atom::value,
                   scale_msg{"m", change, [answer](result<pool_status> r) { *answer = std::move(r); }});
    sys_.run();
    return *answer;
  }
};

TEST_F(pool_admin, scaling_up_min_warm_starts_containers_at_once) {
  spawn_pool(small_model()); // min_warm 1, max_containers 2
  bring_up(0);
  auto answer = scale(2, 3);
  ASSERT_TRUE(answer && answer->ok());
  EXPECT_EQ(answer->value().min_warm, 2);
  EXPECT_EQ(answer->value().max_containers, 3);
  EXPECT_EQ(runtime_.starts(), 2u);
  bring_up(1);
  EXPECT_EQ(status().ready, 2);
}

TEST_F(pool_admin, scaling_down_max_containers_stops_idle_containers_and_drains_busy_ones) {
  auto model = small_model();
  model.min_warm = 3;
  model.max_containers = 3;
  spawn_pool(model);
  bring_up(0);
  bring_up(1);
  bring_up(2);
  auto busy = acquire();
  auto held = leased(*busy);
  auto answer = scale(0, 1);
  ASSERT_TRUE(answer && answer->ok());
  EXPECT_EQ(runtime_.stopped_ids().size(), 2u) << "the two idle ones stop at once";
  auto now = status();
  EXPECT_EQ(now.ready, 1);
  release(held);
  EXPECT_EQ(runtime_.stopped_ids().size(), 2u) << "the busy one stays: it fits max_containers";
}

TEST_F(pool_admin, scale_refuses_a_pair_that_breaks_min_warm_not_above_max_containers) {
  spawn_pool(small_model());
  auto answer = scale(3, std::nullopt);
  ASSERT_TRUE(answer);
  ASSERT_FALSE(answer->ok());
  EXPECT_EQ(answer->error().code, errc::invalid_request);
  EXPECT_EQ(answer->error().message, "min_warm: must be between 0 and max_containers (2), got 3");
  EXPECT_EQ(status().min_warm, 1) << "nothing changed";
}

TEST_F(pool_admin, drain_stops_idle_containers_drains_busy_ones_and_starts_new_ones) {
  auto model = small_model();
  model.min_warm = 1;
  model.max_containers = 3;
  spawn_pool(model);
  bring_up(0);
  auto busy = acquire();
  auto held = leased(*busy);
  ASSERT_EQ(held.container_id, "c1");
  ASSERT_EQ(runtime_.starts(), 2u) << "one spare for min_warm while c1 is busy";
  bring_up(1);

  auto answer = drain();
  ASSERT_TRUE(answer && answer->ok());
  EXPECT_EQ(answer->value().draining, 1);
  EXPECT_EQ(answer->value().stopped, 1);
  EXPECT_EQ(answer->value().started, 1);
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c2"});
  bring_up(2);
  auto next = acquire();
  EXPECT_EQ(leased(*next).container_id, "c3") << "the draining c1 takes no new request";
  release(held);
  EXPECT_EQ(runtime_.stopped_ids(), (strings{"c2", "c1"})) << "c1 stops after its last request";
  release(leased(*next));
}

TEST_F(pool_admin, a_removed_pool_refuses_waiters_drains_and_quits_when_its_containers_are_gone) {
  spawn_pool(small_model());
  bring_up(0);
  auto busy = acquire();
  auto held = leased(*busy);
  caf::anon_send(pool_, remove_model_atom::value);
  sys_.run();
  EXPECT_TRUE(runtime_.stopped_ids().size() <= 1u) << "only a starting spare may stop at once";
  release(held);
  auto stopped = runtime_.stopped_ids();
  EXPECT_NE(std::find(stopped.begin(), stopped.end(), "c1"), stopped.end());
}

} // namespace
} // namespace janus::actors
