#include "actors/supervisor.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/unit/actors/pool_fixture.hpp"

namespace janus::actors {
namespace {

using namespace std::chrono_literals;
using strings = std::vector<std::string>;

/// The supervisor as its pool sees it: through the pool's status and the runtime's calls.
class container_supervision : public test_kit::pool_fixture {};

TEST_F(container_supervision, a_container_is_ready_only_once_its_health_probe_answers_healthy) {
  prober_.answer_healthy_at_once(false);
  spawn_pool(small_model());
  runtime_.report_started(0);
  sys_.run();
  ASSERT_EQ(prober_.probes(), 1u);
  EXPECT_EQ(prober_.probe_at(0).target.port, 9001);
  EXPECT_EQ(prober_.probe_at(0).path, "/healthz");
  EXPECT_EQ(prober_.probe_at(0).timeout, 500ms);

  prober_.answer(0, false, "connection refused");
  sys_.run();
  EXPECT_EQ(status().ready, 0) << "started is not ready";
  sys_.advance(1ms);
  EXPECT_EQ(prober_.probes(), 1u);
  sys_.advance(1ms);
  ASSERT_EQ(prober_.probes(), 2u) << "the next probe after 2 ms";
  sys_.advance(98ms);
  prober_.answer(1, false, "status 503");
  sys_.advance(9ms);
  EXPECT_EQ(prober_.probes(), 2u);
  sys_.advance(1ms);
  ASSERT_EQ(prober_.probes(), 3u) << "probed for 100 ms: the next one after a tenth of that";

  prober_.answer(2, true);
  sys_.run();
  EXPECT_EQ(status().ready, 1);
  EXPECT_EQ(seen_->warm, strings{"m"});
  ASSERT_EQ(seen_->watched.size(), 1u) << "a ready container is under periodic health checks";
  EXPECT_EQ(seen_->watched.front().first, "c1");
}

TEST_F(container_supervision, a_container_not_ready_within_startup_timeout_is_stopped_as_a_failed_start) {
  prober_.answer_healthy_at_once(false);
  spawn_pool(small_model());
  runtime_.report_started(0);
  sys_.run();
  sys_.advance(4990ms);
  EXPECT_TRUE(runtime_.stopped_ids().empty());
  sys_.advance(10ms);
  ASSERT_EQ(runtime_.stopped_ids(), strings{"c1"});
  EXPECT_EQ(runtime_.stops().back().grace, 3s);
  EXPECT_EQ(status().start_failures, 0u) << "failed only once the container is gone";

  runtime_.report_exit(0, "killed by signal 15");
  sys_.run();
  EXPECT_EQ(status().start_failures, 1u);
  EXPECT_EQ(runtime_.starts(), 1u) << "the next start backs off";
  sys_.advance(1100ms);
  EXPECT_EQ(runtime_.starts(), 2u);
}

TEST_F(container_supervision, a_container_that_exits_before_it_is_ready_is_a_failed_start) {
  prober_.answer_healthy_at_once(false);
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  runtime_.report_started(0);
  sys_.run();
  auto waiting = acquire();

  runtime_.report_exit(0, "exited with status 1");
  sys_.run();
  EXPECT_EQ(error_of(*waiting), errc::no_capacity);
  EXPECT_NE(message_of(*waiting).find("exited with status 1 before becoming ready"),
            std::string::npos)
    << message_of(*waiting);
  EXPECT_EQ(status().start_failures, 1u);
  EXPECT_TRUE(runtime_.stopped_ids().empty()) << "nothing to stop: it is gone";
}

TEST_F(container_supervision, an_unhealthy_container_is_stopped_unwatched_and_replaced) {
  spawn_pool(small_model());
  bring_up(0);
  ASSERT_EQ(seen_->watched.size(), 1u);
  auto watched_by = seen_->watched.front().second;

  caf::anon_send(watched_by, unhealthy_atom::value, std::string{"3 failed health checks"});
  sys_.run();
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"});
  EXPECT_EQ(runtime_.starts(), 2u) << "out of rotation and replaced at once, not once gone";
  EXPECT_EQ(status().ready, 0) << "no lease goes to a container being stopped";

  runtime_.report_exit(0, "killed by signal 15");
  sys_.run();
  EXPECT_EQ(seen_->unwatched, strings{"c1"});
  EXPECT_EQ(runtime_.starts(), 2u) << "no second replacement when it is gone";
  bring_up(1);
  auto after = status();
  EXPECT_EQ(after.ready, 1);
  EXPECT_EQ(after.start_failures, 0u);
}

TEST_F(container_supervision, a_stop_before_the_start_completes_stops_the_container_once_started) {
  spawn_pool(small_model());
  caf::anon_send_exit(pool_, caf::exit_reason::kill);
  sys_.run();
  EXPECT_TRUE(runtime_.stopped_ids().empty());
  runtime_.report_started(0);
  sys_.run();
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"}) << "the container of a dead pool";
  EXPECT_EQ(prober_.probes(), 0u) << "no readiness probes for a container being stopped";
}

TEST_F(container_supervision, the_containers_of_a_pool_that_dies_are_stopped) {
  auto model = small_model();
  model.min_warm = 2;
  spawn_pool(model);
  bring_up(0);
  bring_up(1);
  caf::anon_send_exit(pool_, caf::exit_reason::kill);
  sys_.run();
  auto stopped = runtime_.stopped_ids();
  std::sort(stopped.begin(), stopped.end());
  EXPECT_EQ(stopped, (strings{"c1", "c2"}));
}

TEST_F(container_supervision, a_container_killed_while_its_recycling_stop_is_under_way_exited) {
  auto model = small_model();
  model.max_requests = 1;
  spawn_pool(model);
  bring_up(0);
  release(leased(*acquire()));
  ASSERT_EQ(runtime_.stopped_ids(), strings{"c1"}) << "recycled after max_requests";
  runtime_.report_killed(0); // e.g. docker kill before the stop took effect
  sys_.run();
  auto stops = [this](const std::string& reason) {
    return metric("janus_container_stops_total", R"(model="m",reason=")" + reason + "\"");
  };
  EXPECT_EQ(stops("exited"), 1) << "it died of something else than the stop";
  EXPECT_LE(stops("recycled"), 0);
}

TEST_F(container_supervision, a_container_killed_while_busy_or_draining_exited) {
  auto model = small_model();
  model.min_warm = 2;
  model.max_age = 3s;
  spawn_pool(model);
  bring_up(0);
  bring_up(1);
  auto busy = leased(*acquire());
  auto draining = leased(*acquire());
  ASSERT_NE(busy.container_id, draining.container_id);
  sys_.advance(3100ms); // max_age: both drain, busy as they are
  ASSERT_EQ(status().draining, 2);
  runtime_.report_killed(0);
  runtime_.report_killed(1);
  sys_.run();
  EXPECT_EQ(metric("janus_container_stops_total", R"(model="m",reason="exited")"), 2);
  EXPECT_LE(metric("janus_container_stops_total", R"(model="m",reason="recycled")"), 0);
  release(busy, lease_outcome::failed_mid_stream);
  release(draining, lease_outcome::failed_mid_stream);
}

TEST_F(container_supervision, a_container_that_ends_because_it_was_stopped_keeps_the_stops_reason) {
  auto model = small_model();
  model.max_requests = 1;
  spawn_pool(model);
  bring_up(0);
  release(leased(*acquire()));
  ASSERT_EQ(runtime_.stopped_ids(), strings{"c1"});
  runtime_.report_exit(0, "exited with status 0");
  sys_.run();
  EXPECT_EQ(metric("janus_container_stops_total", R"(model="m",reason="recycled")"), 1);
  EXPECT_LE(metric("janus_container_stops_total", R"(model="m",reason="exited")"), 0);
}

} // namespace
} // namespace janus::actors
