#include "http/platform_metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "metrics/registry.hpp"

namespace janus::http {
namespace {

using namespace std::chrono_literals;

class platform_counting : public ::testing::Test {
protected:
  std::string page() const {
    std::string out;
    registry_.render(out);
    return out;
  }

  metrics::registry registry_{1};
  platform_metrics metrics_{registry_};
};

TEST_F(platform_counting, a_call_counts_its_status_duration_and_bytes_under_its_model_and_route) {
  metrics_.count_call("m", "/v1/chat/completions", 200, 20ms, 100, 2000);
  metrics_.count_call("m", "/v1/chat/completions", 200, 20ms, 0, 0);
  auto text = page();
  EXPECT_NE(
    text.find(R"(janus_platform_requests_total{model="m",route="/v1/chat/completions",code="200"} 2)"),
    std::string::npos)
    << text;
  EXPECT_NE(text.find(R"(janus_platform_request_duration_seconds_count{model="m",route="/v1/chat/completions"} 2)"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find(R"(janus_platform_bytes_total{model="m",route="/v1/chat/completions",direction="request"} 100)"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("# TYPE janus_platform_request_duration_seconds histogram"),
            std::string::npos)
    << text;
}

TEST_F(platform_counting, a_removed_model_leaves_no_platform_series_and_the_others_stay) {
  for (const auto* model : {"gone", "kept"}) {
    metrics_.count_call(model, "/v1/chat/completions", 200, 5ms, 10, 10);
    metrics_.count_egress(model, "denied");
    metrics_.count_tunnel_bytes(model, 1, 1);
  }
  metrics_.remove_model("gone");
  auto text = page();
  EXPECT_EQ(text.find(R"(model="gone")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(janus_platform_egress_total{model="kept",result="denied"} 1)"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find(R"(janus_platform_bytes_total{model="kept",route="egress",direction="response"} 1)"),
            std::string::npos)
    << text;
}

} // namespace
} // namespace janus::http
