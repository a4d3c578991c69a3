#include "actors/container_metrics.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <string>
#include <vector>

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

// -- models added and removed at run time -------------------------------------------------

/// The container metrics alone, through their own API.
class container_registration : public ::testing::Test {
protected:
  std::string page() const {
    std::string out;
    registry_.render(out);
    return out;
  }

  std::size_t series() const {
    std::size_t n = 0;
    for (const auto& f : registry_.collect()) {
      n += f.metric.size();
    }
    return n;
  }

  metrics::registry registry_{1};
  container_metrics metrics_{registry_, {"m"}};
};

TEST_F(container_registration, a_removed_models_series_stay_while_its_handles_are_held) {
  ASSERT_TRUE(metrics_.add_model("extra"));
  EXPECT_FALSE(metrics_.add_model("extra"));
  auto supervisor = metrics_.of("extra"); // what a supervisor of its container holds
  supervisor->count_start(start_result::ok);
  ASSERT_TRUE(metrics_.remove_model("extra"));
  EXPECT_FALSE(metrics_.remove_model("extra"));
  EXPECT_EQ(metrics_.of("extra"), nullptr) << "a new container of it is not counted";
  metrics_.reclaim();
  supervisor->count_stop(stop_reason::idle);
  EXPECT_NE(page().find(R"(janus_container_stops_total{model="extra",reason="idle"} 1)"),
            std::string::npos)
    << page();
  supervisor.reset();
  EXPECT_NE(page().find("extra"), std::string::npos) << "until the next reclaim";
  metrics_.reclaim();
  EXPECT_EQ(page().find("extra"), std::string::npos) << page();
  EXPECT_EQ(metrics_.retired(), 0u);
}

TEST_F(container_registration, what_else_counts_for_a_removed_model_is_told_once_its_handles_go) {
  std::vector<std::string> gone;
  metrics_.on_gone([&](const std::string& model) { gone.push_back(model); });
  metrics_.add_model("extra");
  auto supervisor = metrics_.of("extra");
  metrics_.remove_model("extra");
  metrics_.reclaim();
  EXPECT_TRUE(gone.empty()) << "its container is still counted";
  supervisor.reset();
  metrics_.reclaim();
  metrics_.reclaim();
  EXPECT_EQ(gone, std::vector<std::string>{"extra"});
}

TEST_F(container_registration, a_name_added_again_while_its_handles_are_held_counts_on_them) {
  metrics_.add_model("extra");
  auto old = metrics_.of("extra");
  old->count_start(start_result::ok);
  metrics_.remove_model("extra");
  ASSERT_TRUE(metrics_.add_model("extra"));
  EXPECT_EQ(metrics_.of("extra"), old) << "one set of handles per name, never two on one series";
  old.reset();
  metrics_.reclaim();
  metrics_.of("extra")->count_start(start_result::ok);
  EXPECT_NE(page().find(R"(janus_container_starts_total{model="extra",result="ok"} 2)"),
            std::string::npos)
    << page();
}

TEST_F(container_registration, models_added_and_removed_many_times_leave_no_series) {
  auto baseline = series();
  for (int i = 0; i < 500; ++i) {
    for (const auto& name : {std::string{"again"}, "new-" + std::to_string(i)}) {
      ASSERT_TRUE(metrics_.add_model(name));
      auto held = metrics_.of(name);
      held->count_start(start_result::failed);
      held->observe_start(std::chrono::milliseconds{20});
      held->count_health_check(true);
      ASSERT_TRUE(metrics_.remove_model(name));
    }
  }
  metrics_.reclaim();
  EXPECT_EQ(metrics_.retired(), 0u);
  EXPECT_EQ(series(), baseline);
  EXPECT_EQ(page().find(R"(model="again")"), std::string::npos);
  EXPECT_EQ(page().find(R"(model="new-)"), std::string::npos);
}

} // namespace
} // namespace janus::actors
