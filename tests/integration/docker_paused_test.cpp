// The paused tier on the real Docker engine with the janus-baseline image: idle containers past
// min_warm are paused (State.Paused), requests that find no free slot are served by resumed
// ones, and a shutdown ends paused containers well within their grace (dockerd thaws a paused
// container it stops).

#include "tests/integration/docker_fixture.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

class docker_paused_tier : public docker_runtime {
protected:
  /// This test's containers that Docker shows paused.
  std::size_t paused_containers() {
    std::size_t n = 0;
    for (const auto& id : containers()) {
      n += inspect(id, "{{.State.Paused}}") == "true" ? 1 : 0;
    }
    return n;
  }

  double paused_metric() {
    return metric("janus_pool_containers", R"(model="m",state="paused")").value_or(0.0);
  }

  void burst(int count) {
    auto body = chat("m", "hold", R"("janus_baseline":{"tokens":2,"token_delay_ms":300})");
    std::vector<std::future<http_result>> calls;
    for (int i = 0; i < count; ++i) {
      calls.push_back(std::async(std::launch::async,
                                 [&] { return post_json(port_, "/v1/chat/completions", body); }));
    }
    for (auto& call : calls) {
      EXPECT_EQ(call.get().status, 200u);
    }
  }
};

TEST_F(docker_paused_tier, idle_containers_are_paused_resumed_for_waiting_requests_and_stopped_at_shutdown) {
  start_docker(image_model("m", "    min_warm: 0\n    max_containers: 3\n    max_concurrency: 1\n"
                                "    pause_after: 300ms\n    max_paused: 2\n    idle_ttl: 60s\n"
                                "    prewarm_window: 0s\n    stop_grace: 10s\n"));
  burst(3);
  auto running = containers();
  ASSERT_EQ(running.size(), 3u);
  ASSERT_TRUE(eventually(10s, [&] { return paused_metric() == 2.0 && paused_containers() == 2; }))
    << "paused (janusd) " << paused_metric() << ", paused (docker) " << paused_containers();

  std::vector<double> resumed_ms;
  for (int round = 0; round < 6; ++round) {
    ASSERT_TRUE(eventually(10s, [&] { return paused_metric() == 2.0 && paused_containers() == 2; }))
      << "round " << round;
    auto holder = std::async(std::launch::async, [&] {
      return post_json(port_, "/v1/chat/completions",
                       chat("m", "hold", R"("janus_baseline":{"tokens":2,"token_delay_ms":150})"));
    });
    // The waiters go only once the holder has the ready container.
    ASSERT_TRUE(eventually(5s, [&] {
      return metric("janus_pool_inflight_requests", R"(model="m")").value_or(0.0) == 1.0;
    }));
    std::vector<std::future<std::pair<http_result, double>>> waiting;
    for (int i = 0; i < 2; ++i) {
      waiting.push_back(std::async(std::launch::async, [&] {
        auto sent = clock_type::now();
        auto result = post_json(port_, "/v1/chat/completions",
                                chat("m", "quick", R"("janus_baseline":{"tokens":1})"));
        std::chrono::duration<double, std::milli> took = clock_type::now() - sent;
        return std::pair{std::move(result), took.count()};
      }));
    }
    // Both wait for a resume; one may take the slot the other's resumed container freed first.
    int resumed = 0;
    for (auto& call : waiting) {
      auto [result, took] = call.get();
      EXPECT_EQ(result.status, 200u) << result.body;
      EXPECT_NE(result.header("x-janus-start"), "cold");
      if (result.header("x-janus-start") == "resumed") {
        ++resumed;
        resumed_ms.push_back(took);
      }
    }
    EXPECT_GE(resumed, 1) << "round " << round << ": no request was served by a resumed container";
    EXPECT_EQ(holder.get().status, 200u);
  }
  EXPECT_EQ(containers(), running) << "the pool started or stopped containers";
  EXPECT_EQ(metric("janus_request_starts_total", R"(model="m",kind="resumed")").value_or(0.0),
            static_cast<double>(resumed_ms.size()));
  ASSERT_FALSE(resumed_ms.empty());
  std::sort(resumed_ms.begin(), resumed_ms.end());
  std::printf("paused tier (docker): resumed request (1 token, non-stream, >= TTFT) p50 %.2f ms, "
              "max %.2f ms over %zu (goal p50 <= 25 ms)\n",
              resumed_ms[resumed_ms.size() / 2], resumed_ms.back(), resumed_ms.size());

  ASSERT_TRUE(eventually(10s, [&] { return paused_containers() == 2; }));
  auto asked = clock_type::now();
  janusd_->signal(SIGTERM);
  auto status = janusd_->wait_for_exit(30s);
  ASSERT_TRUE(status.has_value()) << "janusd did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_LT(clock_type::now() - asked, 8s) << "paused containers waited for stop_grace's kill";
  EXPECT_TRUE(containers(true).empty()) << "containers outlived janusd";
}

} // namespace
} // namespace janus::test
