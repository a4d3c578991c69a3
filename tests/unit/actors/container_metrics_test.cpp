#include "actors/container_metrics.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "tests/unit/actors/pool_fixture.hpp"

namespace janus::actors {
namespace {

using namespace std::chrono_literals;

/// The container metrics as the supervisors and pool of model "m" keep them.
class container_counting : public test_kit::pool_fixture {
protected:
  double starts(const std::string& result) const {
    return metric("janus_container_starts_total", R"(model="m",result=")" + result + "\"");
  }

  double stops(const std::string& reason) const {
    return metric("janus_container_stops_total", R"(model="m",reason=")" + reason + "\"");
  }
};

TEST_F(container_counting, a_container_that_becomes_ready_counts_one_ok_start_and_its_duration) {
  prober_.answer_healthy_at_once(false);
  spawn_pool(small_model());
  EXPECT_EQ(starts("ok"), 0) << "every result is there from the start, at zero";
  sys_.advance(200ms);
  runtime_.report_started(0);
  sys_.run();
  prober_.answer(0, true);
  sys_.run();
  EXPECT_EQ(starts("ok"), 1);
  EXPECT_EQ(starts("failed"), 0);
  EXPECT_EQ(metric("janus_container_start_duration_seconds_count", R"(model="m")"), 1);
  EXPECT_DOUBLE_EQ(metric("janus_container_start_duration_seconds_sum", R"(model="m")"), 0.2);
  EXPECT_EQ(metric("janus_container_start_duration_seconds_bucket", R"(model="m",le="0.1")"), 0);
  EXPECT_EQ(metric("janus_container_start_duration_seconds_bucket", R"(model="m",le="0.25")"), 1);
}

TEST_F(container_counting, a_start_the_runtime_refuses_is_a_failed_start_and_no_stop) {
  spawn_pool(small_model());
  runtime_.report_start_failure(0, "no such image");
  sys_.run();
  EXPECT_EQ(starts("failed"), 1);
  EXPECT_EQ(stops("start_failed"), 0) << "nothing ran, so nothing stopped";
}

TEST_F(container_counting, a_start_past_startup_timeout_counts_a_timeout_and_its_stop) {
  prober_.answer_healthy_at_once(false);
  spawn_pool(small_model());
  runtime_.report_started(0);
  sys_.run();
  sys_.advance(5s);
  runtime_.report_exit(0, "killed by signal 15");
  sys_.run();
  EXPECT_EQ(starts("timeout"), 1);
  EXPECT_EQ(starts("failed"), 0);
  EXPECT_EQ(stops("startup_timeout"), 1);
}

TEST_F(container_counting, stops_are_counted_by_reason) {
  spawn_pool(small_model());
  bring_up(0);
  ASSERT_EQ(seen_->watched.size(), 1u);
  caf::anon_send(seen_->watched.front().second, unhealthy_atom::value, std::string{"probes failed"});
  sys_.run();
  runtime_.report_exit(0, "killed by signal 15");
  sys_.run();
  EXPECT_EQ(stops("unhealthy"), 1);
  bring_up(1);
  runtime_.report_exit(1, "killed by signal 9");
  sys_.run();
  EXPECT_EQ(stops("exited"), 1);
  EXPECT_EQ(starts("ok"), 2);
}

TEST_F(container_counting, a_cold_lease_carries_the_time_its_container_took_to_start) {
  auto model = small_model();
  model.min_warm = 0;
  spawn_pool(model);
  auto waiting = acquire();
  sys_.advance(300ms);
  bring_up(0);
  auto held = leased(*waiting);
  EXPECT_EQ(held.kind, start_kind::cold);
  EXPECT_EQ(held.container_start, 300ms);
  release(held);
  auto warm = leased(*acquire());
  EXPECT_EQ(warm.container_start, 0ms) << "only a cold start reports it";
}

} // namespace
} // namespace janus::actors
