#include "actors/health_checker.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "tests/unit/actors/deterministic_system.hpp"
#include "tests/unit/actors/fake_prober.hpp"

namespace janus::actors {
namespace {

using namespace std::chrono_literals;
using strings = std::vector<std::string>;

caf::behavior recording_supervisor(caf::event_based_actor*, std::shared_ptr<strings> unhealthy) {
  return {
    [unhealthy](unhealthy_atom, const std::string& detail) {
      unhealthy->push_back(detail);
    },
  };
}

/// A health checker on a deterministic actor system with a fake prober that the test answers,
/// and a recording actor in the place of a container's supervisor.
class health_checking : public ::testing::Test {
protected:
  health_checking() {
    prober_.answer_healthy_at_once(false);
    checker_ = sys_.system().spawn(health_checker, prober_.as_prober(), &metrics_);
    supervisor_ = sys_.system().spawn(recording_supervisor, unhealthy_);
    sys_.run();
  }

  void TearDown() override {
    caf::anon_send_exit(checker_, caf::exit_reason::kill);
    caf::anon_send_exit(supervisor_, caf::exit_reason::kill);
    sys_.run();
    EXPECT_EQ(sys_.running_actors(), 0u);
    prober_.forget();
    checker_ = nullptr;
    supervisor_ = nullptr;
  }

  static health_config every_second() {
    health_config health;
    health.path = "/healthz";
    health.interval = 1s;
    health.timeout = 300ms;
    health.threshold = 3;
    return health;
  }

  void watch(const std::string& id, std::uint16_t port) {
    caf::anon_send(checker_, watch_atom::value, id, endpoint{"127.0.0.1", port}, every_second(),
                   supervisor_, std::string{"m"});
    sys_.run();
  }

  /// Waits one interval, then answers the probe it sent.
  void probe_once(bool healthy) {
    auto before = prober_.probes();
    sys_.advance(1s);
    ASSERT_EQ(prober_.probes(), before + 1) << "one probe per interval";
    prober_.answer(before, healthy, healthy ? "" : "status 503");
    sys_.run();
  }

  /// Health checks counted for model "m".
  std::string rendered_metrics() const {
    std::string out;
    registry_.render(out);
    return out;
  }

  metrics::registry registry_{1};
  container_metrics metrics_{registry_, {"m"}};
  test_kit::deterministic_system sys_;
  test_kit::fake_prober prober_;
  std::shared_ptr<strings> unhealthy_ = std::make_shared<strings>();
  caf::actor checker_;
  caf::actor supervisor_;
};

TEST_F(health_checking, probes_a_watched_container_at_its_interval_on_its_path_with_its_timeout) {
  watch("c1", 9001);
  sys_.advance(990ms);
  EXPECT_EQ(prober_.probes(), 0u);
  sys_.advance(10ms);
  ASSERT_EQ(prober_.probes(), 1u);
  EXPECT_EQ(prober_.probe_at(0).target.host, "127.0.0.1");
  EXPECT_EQ(prober_.probe_at(0).target.port, 9001);
  EXPECT_EQ(prober_.probe_at(0).path, "/healthz");
  EXPECT_EQ(prober_.probe_at(0).timeout, 300ms);

  sys_.advance(3s);
  EXPECT_EQ(prober_.probes(), 1u) << "no second probe while one is unanswered";
  prober_.answer(0, true);
  sys_.run();
  sys_.advance(990ms);
  EXPECT_EQ(prober_.probes(), 1u);
  sys_.advance(10ms);
  EXPECT_EQ(prober_.probes(), 2u) << "the next probe one interval after the answer";
  EXPECT_TRUE(unhealthy_->empty());
}

TEST_F(health_checking, tells_the_supervisor_after_threshold_failed_probes_in_a_row) {
  watch("c1", 9001);
  probe_once(false);
  probe_once(false);
  EXPECT_TRUE(unhealthy_->empty()) << "two failures of three";
  probe_once(false);
  ASSERT_EQ(unhealthy_->size(), 1u);
  EXPECT_NE(unhealthy_->front().find("3 failed health checks"), std::string::npos)
    << unhealthy_->front();
  EXPECT_NE(unhealthy_->front().find("status 503"), std::string::npos) << unhealthy_->front();

  sys_.advance(5s);
  EXPECT_EQ(prober_.probes(), 3u) << "an unhealthy container is no longer probed";
  EXPECT_EQ(unhealthy_->size(), 1u);
}

TEST_F(health_checking, a_healthy_answer_resets_the_count_of_failures) {
  watch("c1", 9001);
  probe_once(false);
  probe_once(false);
  probe_once(true);
  probe_once(false);
  probe_once(false);
  EXPECT_TRUE(unhealthy_->empty());
  probe_once(false);
  EXPECT_EQ(unhealthy_->size(), 1u);
}

TEST_F(health_checking, checks_each_container_on_its_own) {
  watch("c1", 9001);
  watch("c2", 9002);
  sys_.advance(1s);
  ASSERT_EQ(prober_.probes(), 2u);
  std::vector<std::uint16_t> ports{prober_.probe_at(0).target.port,
                                   prober_.probe_at(1).target.port};
  std::sort(ports.begin(), ports.end());
  EXPECT_EQ(ports, (std::vector<std::uint16_t>{9001, 9002}));
}

TEST_F(health_checking, a_probe_goes_out_at_most_one_sweep_period_after_it_is_due) {
  sys_.advance(30ms);
  watch("c1", 9001); // due at 1030 ms; sweeps run every 100 ms from the watch
  sys_.advance(999ms);
  EXPECT_EQ(prober_.probes(), 0u);
  sys_.advance(health_sweep_period);
  EXPECT_EQ(prober_.probes(), 1u);
}

TEST_F(health_checking, the_answers_of_one_sweep_are_handled_together_once_the_last_came) {
  watch("c1", 9001);
  watch("c2", 9002);
  sys_.advance(1s);
  ASSERT_EQ(prober_.probes(), 2u) << "both due in the same sweep";
  prober_.answer(0, false, "status 503");
  sys_.run();
  auto text = rendered_metrics();
  EXPECT_EQ(text.find("janus_health_checks_total{model=\"m\",result=\"failed\"} 1\n"),
            std::string::npos)
    << "one answer of two is not handled yet";

  prober_.answer(1, true);
  sys_.run();
  text = rendered_metrics();
  EXPECT_NE(text.find("janus_health_checks_total{model=\"m\",result=\"failed\"} 1\n"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("janus_health_checks_total{model=\"m\",result=\"ok\"} 1\n"),
            std::string::npos)
    << text;
  sys_.advance(1s);
  EXPECT_EQ(prober_.probes(), 4u) << "each probed again one interval after the answers";
}

TEST_F(health_checking, a_probe_janusd_could_not_send_does_not_count_against_the_container) {
  watch("c1", 9001);
  probe_once(false);
  probe_once(false);
  for (int i = 0; i < 3; ++i) {
    auto before = prober_.probes();
    sys_.advance(1s);
    ASSERT_EQ(prober_.probes(), before + 1) << "probed again at the interval";
    prober_.answer_with(before, http::probe_result{false, 0, "Too many open files", true});
    sys_.run();
  }
  EXPECT_TRUE(unhealthy_->empty()) << "two real failures, three probes not sent";
  EXPECT_EQ(rendered_metrics().find("result=\"failed\"} 5"), std::string::npos);
  probe_once(false);
  EXPECT_EQ(unhealthy_->size(), 1u) << "the third real failure";
}

TEST_F(health_checking, every_probe_is_counted_by_model_and_result) {
  watch("c1", 9001);
  probe_once(true);
  probe_once(false);
  probe_once(true);
  auto text = rendered_metrics();
  EXPECT_NE(text.find("janus_health_checks_total{model=\"m\",result=\"ok\"} 2\n"), std::string::npos)
    << text;
  EXPECT_NE(text.find("janus_health_checks_total{model=\"m\",result=\"failed\"} 1\n"),
            std::string::npos)
    << text;
}

TEST_F(health_checking, stops_probing_an_unwatched_container) {
  watch("c1", 9001);
  probe_once(false);
  probe_once(false);
  caf::anon_send(checker_, unwatch_atom::value, std::string{"c1"});
  sys_.run();
  sys_.advance(5s);
  EXPECT_EQ(prober_.probes(), 2u);
  EXPECT_TRUE(unhealthy_->empty());
}

TEST_F(health_checking, ignores_the_answer_of_a_probe_to_a_container_unwatched_meanwhile) {
  watch("c1", 9001);
  probe_once(false);
  probe_once(false);
  sys_.advance(1s);
  ASSERT_EQ(prober_.probes(), 3u);
  caf::anon_send(checker_, unwatch_atom::value, std::string{"c1"});
  sys_.run();
  prober_.answer(2, false, "timed out");
  sys_.run();
  EXPECT_TRUE(unhealthy_->empty());
}

} // namespace
} // namespace janus::actors
