// Containers that an earlier run of the engine left running: the pool adopts them at start
// through the runtime (no start), probes them like new ones and treats them as its own.

#include "actors/pool.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <string>
#include <vector>

#include "tests/unit/actors/pool_fixture.hpp"

namespace janus::actors {
namespace {

using namespace std::chrono_literals;
using strings = std::vector<std::string>;

class adoption : public test_kit::pool_fixture {
protected:
  /// A container of an earlier run, as the runtime offers it.
  static container_info left_over(std::string id, std::uint16_t port) {
    return container_info{std::move(id), endpoint{"127.0.0.1", port}, {}};
  }
};

TEST_F(adoption, an_adopted_container_skips_the_start_and_is_ready_once_its_probe_answers_healthy) {
  prober_.answer_healthy_at_once(false);
  spawn_pool(small_model(), {left_over("old1", 7001)});
  EXPECT_EQ(runtime_.starts(), 0u) << "min_warm is covered by the adopted container";
  ASSERT_EQ(runtime_.adoptions(), 1u);
  EXPECT_EQ(runtime_.adoption_at(0).container.id, "old1");
  ASSERT_EQ(prober_.probes(), 1u) << "probed at once, without waiting for a start";
  EXPECT_EQ(prober_.probe_at(0).target.port, 7001);
  EXPECT_EQ(prober_.probe_at(0).path, "/healthz");
  EXPECT_EQ(status().starting, 1);
  EXPECT_EQ(status().ready, 0) << "adopted is not ready until it answers healthy";

  prober_.answer(0, true);
  sys_.run();
  auto after = status();
  EXPECT_EQ(after.ready, 1);
  EXPECT_EQ(after.starts, 0u);
  EXPECT_EQ(seen_->warm, strings{"m"});
  ASSERT_EQ(seen_->watched.size(), 1u);
  EXPECT_EQ(seen_->watched.front().first, "old1");

  auto granted = leased(*acquire());
  EXPECT_EQ(granted.container_id, "old1");
  EXPECT_EQ(granted.target.port, 7001);
  EXPECT_EQ(granted.kind, start_kind::prewarmed);
}

TEST_F(adoption, a_pool_starts_only_what_its_adopted_containers_do_not_cover) {
  auto model = small_model();
  model.min_warm = 2;
  model.max_containers = 3;
  spawn_pool(model, {left_over("old1", 7001)});
  EXPECT_EQ(runtime_.adoptions(), 1u);
  EXPECT_EQ(runtime_.starts(), 1u);
  bring_up(0);
  EXPECT_EQ(status().ready, 2);
  EXPECT_EQ(seen_->warm, strings{"m"});
}

TEST_F(adoption, every_offered_container_is_adopted_even_beyond_min_warm) {
  auto model = small_model();
  model.min_warm = 0;
  spawn_pool(model, {left_over("old1", 7001), left_over("old2", 7002)});
  EXPECT_EQ(runtime_.adoptions(), 2u);
  EXPECT_EQ(runtime_.starts(), 0u);
  EXPECT_EQ(status().ready, 2) << "owned, so idle reaping can stop them later; never leaked";
}

TEST_F(adoption, an_adopted_container_that_never_answers_healthy_is_stopped_and_replaced) {
  prober_.answer_healthy_at_once(false);
  spawn_pool(small_model(), {left_over("old1", 7001)});
  sys_.advance(4990ms);
  EXPECT_TRUE(runtime_.stopped_ids().empty());
  sys_.advance(10ms);
  ASSERT_EQ(runtime_.stopped_ids(), strings{"old1"}) << "startup_timeout applies to adoption too";
  EXPECT_EQ(runtime_.stops().back().grace, 3s);

  runtime_.report_adopted_exit(0, "exited with status 0");
  sys_.run();
  EXPECT_EQ(status().starting + status().ready, 0);
  sys_.advance(1100ms);
  EXPECT_EQ(runtime_.starts(), 1u) << "a new container replaces it";
}

TEST_F(adoption, an_adopted_container_that_dies_is_replaced_at_once) {
  spawn_pool(small_model(), {left_over("old1", 7001)});
  ASSERT_EQ(status().ready, 1);
  runtime_.report_adopted_exit(0, "exited with status 137 (OOM killed)");
  sys_.run();
  EXPECT_EQ(seen_->unwatched, strings{"old1"});
  EXPECT_EQ(runtime_.starts(), 1u);
  bring_up(0);
  EXPECT_EQ(status().ready, 1);
}

TEST_F(adoption, an_adopted_container_that_ends_before_it_is_ready_counts_as_a_failed_start) {
  prober_.answer_healthy_at_once(false);
  spawn_pool(small_model(), {left_over("old1", 7001)});
  // E.g. it died between the runtime's offer and the adoption.
  runtime_.report_adopted_exit(0, "not found in the Docker engine");
  sys_.run();
  EXPECT_EQ(status().start_failures, 1u);
  EXPECT_TRUE(runtime_.stopped_ids().empty()) << "nothing to stop: it is gone";
  EXPECT_EQ(runtime_.starts(), 0u) << "the next start backs off";
  sys_.advance(1100ms);
  EXPECT_EQ(runtime_.starts(), 1u);
}

TEST_F(adoption, on_shutdown_adopted_containers_are_stopped_like_started_ones) {
  auto model = small_model();
  model.min_warm = 2;
  spawn_pool(model, {left_over("old1", 7001)});
  bring_up(0);
  auto replies = request_shutdown();
  EXPECT_EQ(runtime_.stopped_ids(), (strings{"old1", "c1"}));
  EXPECT_EQ(*replies, 0) << "not before every container is gone";
  runtime_.report_adopted_exit(0);
  runtime_.report_exit(0);
  sys_.run();
  EXPECT_EQ(*replies, 1);
}

} // namespace
} // namespace janus::actors
