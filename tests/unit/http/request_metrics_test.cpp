#include "http/request_metrics.hpp"

#include <gtest/gtest.h>

#include <spdlog/spdlog.h>

#include <string>

#include "http/request_summary.hpp"

namespace janus::http {
namespace {

using namespace std::chrono_literals;

class request_counting : public ::testing::Test {
protected:
  request_counting() {
    spdlog::set_level(spdlog::level::off); // report() also logs its line
  }

  std::string page() const {
    std::string out;
    registry_.render(out);
    return out;
  }

  bool has(const std::string& line) const {
    return page().find(line + "\n") != std::string::npos;
  }

  metrics::registry registry_{2};
  request_metrics requests_{registry_, {"alpha", "org/beta"}};
};

TEST_F(request_counting, configured_models_have_their_own_label_and_others_share_unknown) {
  EXPECT_EQ(requests_.of("alpha").label(), "alpha");
  EXPECT_EQ(requests_.of("org/beta").label(), "org/beta");
  EXPECT_EQ(&requests_.of("anything a client sends"), &requests_.unknown());
  EXPECT_EQ(requests_.unknown().label(), "_unknown");
}

TEST_F(request_counting, a_model_added_at_run_time_gets_its_own_label_and_old_handles_stay) {
  auto& alpha = requests_.of("alpha");
  EXPECT_EQ(&requests_.of("gamma"), &requests_.unknown());
  requests_.add_model("gamma");
  requests_.add_model("gamma"); // a second registration changes nothing
  EXPECT_EQ(requests_.of("gamma").label(), "gamma");
  EXPECT_EQ(&requests_.of("alpha"), &alpha) << "existing handles survive the new table";
  requests_.of("gamma").count_request(200);
  EXPECT_TRUE(has(R"(janus_requests_total{model="gamma",code="200"} 1)")) << page();
}

TEST_F(request_counting, requests_are_counted_by_status_code_including_odd_ones) {
  auto& alpha = requests_.of("alpha");
  alpha.count_request(200);
  alpha.count_request(200);
  alpha.count_request(502);
  alpha.count_request(499);
  alpha.count_request(42);
  EXPECT_TRUE(has(R"(janus_requests_total{model="alpha",code="200"} 2)")) << page();
  EXPECT_TRUE(has(R"(janus_requests_total{model="alpha",code="502"} 1)"));
  EXPECT_TRUE(has(R"(janus_requests_total{model="alpha",code="499"} 1)"));
  EXPECT_TRUE(has(R"(janus_requests_total{model="alpha",code="other"} 1)"));
}

TEST_F(request_counting, a_lease_counts_its_kind_and_queue_wait) {
  auto& beta = requests_.of("org/beta");
  beta.count_lease(start_kind::cold, 1500ms);
  beta.count_lease(start_kind::warm, 0us);
  EXPECT_TRUE(has(R"(janus_request_starts_total{model="org/beta",kind="cold"} 1)")) << page();
  EXPECT_TRUE(has(R"(janus_request_starts_total{model="org/beta",kind="warm"} 1)"));
  EXPECT_TRUE(has(R"(janus_request_starts_total{model="org/beta",kind="prewarmed"} 0)"));
  EXPECT_TRUE(has(R"(janus_queue_wait_seconds_bucket{model="org/beta",le="1"} 1)"));
  EXPECT_TRUE(has(R"(janus_queue_wait_seconds_bucket{model="org/beta",le="2.5"} 2)"));
  EXPECT_TRUE(has(R"(janus_queue_wait_seconds_sum{model="org/beta"} 1.5)"));
}

TEST_F(request_counting, the_unknown_label_has_no_lease_metrics) {
  EXPECT_EQ(page().find(R"(janus_queue_wait_seconds_count{model="_unknown"})"), std::string::npos)
    << page();
  EXPECT_EQ(page().find(R"(janus_request_starts_total{model="_unknown")"), std::string::npos);
  requests_.unknown().count_lease(start_kind::warm, 1ms); // ignored, not a crash
  requests_.unknown().count_retry();
}

TEST_F(request_counting, a_report_counts_the_request_its_timings_and_a_rejection) {
  request_summary refused;
  refused.request_id = "r1";
  refused.model = "nope";
  refused.status = 429;
  refused.outcome = "rejected";
  refused.error = errc::queue_full;
  refused.total = 2ms;
  report(refused, &requests_.of("alpha"));

  request_summary served;
  served.request_id = "r2";
  served.model = "alpha";
  served.status = 200;
  served.outcome = "ok";
  served.attempts = 1;
  served.start = start_kind::warm;
  served.first_token = 30ms;
  served.total = 400ms;
  report(served, &requests_.of("alpha"));

  EXPECT_TRUE(has(R"(janus_requests_total{model="alpha",code="429"} 1)")) << page();
  EXPECT_TRUE(has(R"(janus_rejected_requests_total{model="alpha",reason="queue_full"} 1)"));
  EXPECT_TRUE(has(R"(janus_request_duration_seconds_count{model="alpha"} 2)"));
  EXPECT_TRUE(has(R"(janus_time_to_first_token_seconds_count{model="alpha"} 1)"));
  EXPECT_TRUE(has(R"(janus_time_to_first_token_seconds_bucket{model="alpha",le="0.05"} 1)"));
}

} // namespace
} // namespace janus::http
