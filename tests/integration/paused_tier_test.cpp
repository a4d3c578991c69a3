// The paused tier against the real janusd with real janus-baseline processes: idle containers
// beyond min_warm are stopped (SIGSTOP: state T), a request that waits resumes one, idle_ttl and
// shutdown end paused ones without leaving a process.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/slowdown.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// max_containers 3, one request per container, paused after 300 ms idle (at most 2),
/// demand-following pre-warm off (so the warm target keeps nothing), plus `settings`.
std::string paused_model(const std::string& settings, int min_warm = 1) {
  return "  m:\n    command: [\"janus-baseline\"]\n"
         "    min_warm: " + std::to_string(min_warm) + "\n"
         "    max_containers: 3\n    max_concurrency: 1\n"
         "    pause_after: 300ms\n    max_paused: 2\n    prewarm_window: 0s\n"
         "    stop_grace: 10s\n"
         + settings;
}

std::string chat(const std::string& extra = {}) {
  std::string body = R"({"model":"m","messages":[{"role":"user","content":"hello there"}])";
  if (!extra.empty()) {
    body += "," + extra;
  }
  return body + "}";
}

/// The state letter of /proc/<pid>/stat (R, S, T, Z, ...); '?' when unreadable.
char process_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() ? '?' : text[close + 2];
}

class paused_tier : public janusd_fixture {
protected:
  double metric_or_zero(const std::string& name, const std::string& labels) {
    return metric(name, labels).value_or(0.0);
  }

  double paused() {
    return metric_or_zero("janus_pool_containers", R"(model="m",state="paused")");
  }

  /// Sends `count` requests at once, each holding its container for `hold`: the pool grows to
  /// `count` containers.
  void burst(int count, std::chrono::milliseconds hold) {
    auto body = chat(R"("janus_baseline":{"tokens":2,"token_delay_ms":)"
                     + std::to_string(hold.count() / 2) + "}");
    std::vector<std::future<http_result>> calls;
    for (int i = 0; i < count; ++i) {
      calls.push_back(std::async(std::launch::async,
                                 [&] { return post_json(port_, "/v1/chat/completions", body); }));
    }
    for (auto& call : calls) {
      EXPECT_EQ(call.get().status, 200u);
    }
  }

  /// The model processes in state T (stopped).
  std::size_t stopped_processes() {
    auto all = model_processes();
    return static_cast<std::size_t>(
      std::count_if(all.begin(), all.end(), [](pid_t pid) { return process_state(pid) == 'T'; }));
  }
};

TEST_F(paused_tier, containers_past_min_warm_are_paused_and_resumed_to_refill_min_warm) {
  top_level_yaml_ = "admin:\n  token: \"paused-tier-test-token-0123456789\"\n";
  start(paused_model("    idle_ttl: 60s\n"));
  burst(3, 600ms);
  auto processes = model_processes();
  ASSERT_EQ(processes.size(), 3u);
  ASSERT_TRUE(eventually(5s, [&] { return paused() == 2.0 && stopped_processes() == 2; }))
    << "paused " << paused() << ", stopped processes " << stopped_processes();
  EXPECT_EQ(metric_or_zero("janus_pool_containers", R"(model="m",state="ready")"), 1.0);
  // The admin listing shows the phases and the pool's counters.
  http_client admin{port_};
  auto listing = admin.get("/admin/pools",
                           {{"Authorization", "Bearer paused-tier-test-token-0123456789"}});
  ASSERT_EQ(listing.status, 200u) << listing.body;
  auto occurrences = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = listing.body.find(needle); at != std::string::npos;
         at = listing.body.find(needle, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(occurrences(R"("state":"paused")"), 2u) << listing.body;
  EXPECT_EQ(occurrences(R"("pauses":2)"), 1u) << listing.body;
  // A request takes the floor's ready container: a paused one resumes to refill min_warm, no
  // container starts.
  auto holder = std::async(std::launch::async, [&] {
    return post_json(port_, "/v1/chat/completions",
                     chat(R"("janus_baseline":{"tokens":2,"token_delay_ms":200})"));
  });
  EXPECT_TRUE(eventually(2s, [&] { return paused() == 1.0 && stopped_processes() == 1; }));
  EXPECT_EQ(holder.get().status, 200u);
  EXPECT_EQ(model_processes(), processes);
  EXPECT_EQ(metric_or_zero("janus_pool_containers", R"(model="m",state="starting")"), 0.0);
}

TEST_F(paused_tier, requests_that_find_no_free_slot_are_served_by_resumed_containers) {
  // min_warm 0: nothing resumes ahead of the requests, so the ones that wait meet the resume.
  start(paused_model("    idle_ttl: 60s\n", 0));
  burst(3, 600ms);
  ASSERT_EQ(model_processes().size(), 3u);
  ASSERT_TRUE(eventually(5s, [&] { return paused() == 2.0 && stopped_processes() == 2; }))
    << "paused " << paused() << ", stopped processes " << stopped_processes();
  auto processes = model_processes();

  // Rounds: one long request takes the ready container, two more at once find no free slot and
  // wait for the paused ones to resume.
  std::vector<double> resumed_ms;
  int resumed_headers = 0;
  for (int round = 0; round < 8; ++round) {
    ASSERT_TRUE(eventually(5s, [&] { return paused() == 2.0 && stopped_processes() == 2; }))
      << "round " << round;
    // The holder keeps its slot while the waiters reach the pool: longer in a sanitizer build.
    auto holder = std::async(std::launch::async, [&] {
      return post_json(port_, "/v1/chat/completions",
                       chat(R"("janus_baseline":{"tokens":2,"token_delay_ms":)"
                            + std::to_string(scaled(150ms).count()) + "}"));
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
                                chat(R"("janus_baseline":{"tokens":1})"));
        std::chrono::duration<double, std::milli> took = clock_type::now() - sent;
        return std::pair{std::move(result), took.count()};
      }));
    }
    // Both wait for a resume; the second may take the slot the first's container freed.
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
    resumed_headers += resumed;
    EXPECT_EQ(holder.get().status, 200u);
  }
  EXPECT_EQ(model_processes(), processes) << "the pool started or stopped containers";
  ASSERT_GE(resumed_headers, 8) << "requests that waited were not served by resumed containers";
  EXPECT_EQ(metric_or_zero("janus_request_starts_total", R"(model="m",kind="resumed")"),
            static_cast<double>(resumed_headers));
  std::sort(resumed_ms.begin(), resumed_ms.end());
  std::printf("paused tier (process runtime): resumed request (1 token, non-stream, >= TTFT) "
              "p50 %.2f ms, max %.2f ms over %zu (goal p50 <= 25 ms)\n",
              resumed_ms[resumed_ms.size() / 2], resumed_ms.back(), resumed_ms.size());
}

TEST_F(paused_tier, paused_containers_are_stopped_at_idle_ttl_without_waiting_for_the_kill) {
  start(paused_model("    idle_ttl: 2s\n"));
  burst(3, 400ms);
  ASSERT_TRUE(eventually(5s, [&] { return paused() == 2.0 && stopped_processes() == 2; }));
  auto processes = model_processes();
  // SIGTERM alone stays pending in a stopped group: without SIGCONT they would end only at
  // stop_grace's SIGKILL (10 s).
  auto asked = clock_type::now();
  EXPECT_TRUE(eventually(6s, [&] { return model_processes().size() == 1 && paused() == 0.0; }))
    << "paused containers still run: " << model_processes().size();
  EXPECT_LT(clock_type::now() - asked, 6s);
  EXPECT_EQ(metric_or_zero("janus_container_stops_total", R"(model="m",reason="idle")"), 2.0);
  for (auto pid : processes) {
    if (!model_processes().contains(pid)) {
      EXPECT_FALSE(process_alive(pid));
    }
  }
}

TEST_F(paused_tier, a_container_killed_while_paused_is_noticed_and_leaves_the_pool) {
  start(paused_model("    idle_ttl: 60s\n"));
  burst(3, 400ms);
  ASSERT_TRUE(eventually(5s, [&] { return paused() == 2.0 && stopped_processes() == 2; }));
  auto processes = model_processes();
  pid_t victim = 0;
  for (auto pid : processes) {
    if (process_state(pid) == 'T') {
      victim = pid;
    }
  }
  ASSERT_NE(victim, 0);
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  EXPECT_TRUE(eventually(3s, [&] {
    return paused() == 1.0 && !model_processes().contains(victim)
           && metric_or_zero("janus_container_stops_total", R"(model="m",reason="exited")") == 1.0;
  })) << "paused " << paused();
  // The other paused one still serves: a request that waits resumes it.
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat()).status, 200u);
}

TEST_F(paused_tier, janusd_shutdown_with_paused_containers_leaves_no_process) {
  start(paused_model("    idle_ttl: 60s\n"));
  burst(3, 400ms);
  ASSERT_TRUE(eventually(5s, [&] { return paused() == 2.0 && stopped_processes() == 2; }));
  auto processes = model_processes();
  ASSERT_EQ(processes.size(), 3u);
  auto asked = clock_type::now();
  janusd_->signal(SIGTERM);
  auto status = janusd_->wait_for_exit(20s);
  ASSERT_TRUE(status.has_value()) << "janusd did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_LT(clock_type::now() - asked, 5s) << "the paused ones waited for stop_grace's SIGKILL";
  for (auto pid : processes) {
    EXPECT_FALSE(process_alive(pid)) << "model process " << pid << " outlived janusd";
  }
}

} // namespace
} // namespace janus::test
