// Faults of the Docker side, against the real janusd, the real Docker engine and janus-baseline
// containers: a container that hangs (docker pause) while busy, and the Docker engine itself
// restarted under light load. The engine restart runs on a private dockerd of the test's own
// (private_dockerd): the shared engine is never stopped. Each test prints its figures as
// `reliability: <case> <name>=<value>` lines, which bench/reliability.sh collects.

#include "tests/integration/docker_fixture.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

long long ms_since(clock_type::time_point from) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - from).count();
}

/// One request of a background load: when it was sent and its status (0: no answer).
struct load_sample {
  clock_type::time_point at;
  unsigned status = 0;
};

/// Sends `body` to `model` every `gap` from its own thread until stopped; keeps every outcome.
class light_load {
public:
  light_load(std::uint16_t port, std::string body, std::chrono::milliseconds gap)
      : thread_{[this, port, body = std::move(body), gap] {
          while (!stop_) {
            load_sample sample{clock_type::now(), 0};
            try {
              sample.status = post_json(port, "/v1/chat/completions", body).status;
            } catch (const std::exception&) {
              sample.status = 0;
            }
            {
              std::lock_guard lock{mutex_};
              samples_.push_back(sample);
            }
            std::this_thread::sleep_for(gap);
          }
        }} {}

  ~light_load() {
    finish();
  }

  light_load(const light_load&) = delete;
  light_load& operator=(const light_load&) = delete;

  /// Stops the load and returns what it saw.
  std::vector<load_sample> finish() {
    stop_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
    std::lock_guard lock{mutex_};
    return samples_;
  }

private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<load_sample> samples_;
  std::thread thread_;
};

std::size_t failures_of(const std::vector<load_sample>& samples) {
  return static_cast<std::size_t>(std::count_if(samples.begin(), samples.end(),
                                                [](const load_sample& s) { return s.status != 200; }));
}

bool is_error_frame(const std::string& data) {
  return data.starts_with(R"({"error":)");
}

using docker_faults = docker_runtime;

TEST_F(docker_faults, a_paused_busy_container_fails_only_its_own_requests_in_time_and_is_replaced) {
  // m: two containers probed every 500 ms (a probe waits 1 s, two failures retire); a stream
  // silent for 2 s is ended. n: another pool, whose traffic must not notice anything.
  start_docker(image_model("m", "    min_warm: 2\n    max_containers: 2\n    max_concurrency: 4\n"
                                "    health:\n      interval: 500ms\n      timeout: 1s\n"
                                "      threshold: 2\n")
                 + image_model("n", "    min_warm: 1\n    max_containers: 1\n"),
               "  stream_idle_timeout: 2s\n  request_timeout: 15s\n");
  auto before = containers();
  ASSERT_EQ(before.size(), 3u);
  auto n_load = std::make_unique<light_load>(port_, chat("n", "bystander"), 100ms);

  const auto stream_body =
    chat("m", "keep going", R"("stream":true,"janus_baseline":{"tokens":30,"token_delay_ms":100})");
  auto streams = start_streams(port_, stream_body, 4, 5s);
  ASSERT_TRUE(eventually(5s, [&] {
    return metric("janus_pool_inflight_requests", "model=\"m\"") == 4.0;
  }));
  std::this_thread::sleep_for(300ms);
  // The victim: one of m's containers (n's has another label value).
  std::string victim;
  for (const auto& id : before) {
    if (inspect(id, "{{index .Config.Labels \"janus.model\"}}") == "m") {
      victim = id;
      break;
    }
  }
  ASSERT_FALSE(victim.empty());
  auto paused_at = clock_type::now();
  ASSERT_EQ(sh(docker_ + " pause " + victim).status, 0);

  int on_victim = 0;
  int elsewhere = 0;
  long long longest_end_ms = 0;
  for (auto& stream : streams) {
    auto result = stream.get();
    ASSERT_EQ(result.status, 200u);
    EXPECT_TRUE(result.complete) << result.error;
    auto data = sse_data_lines(result.body);
    ASSERT_GE(data.size(), 2u) << result.body;
    EXPECT_EQ(data.back(), "[DONE]");
    auto errors = std::count_if(data.begin(), data.end(), is_error_frame);
    if (result.header("x-janus-container") == victim) {
      ++on_victim;
      EXPECT_EQ(errors, 1) << result.body;
      EXPECT_TRUE(is_error_frame(data[data.size() - 2])) << result.body;
      EXPECT_NE(result.body.find("upstream_timeout"), std::string::npos)
        << "the error says the container went silent:\n" << result.body;
      auto ended = result.pieces.empty() ? result.headers_at : result.pieces.back().at;
      longest_end_ms = std::max<long long>(
        longest_end_ms,
        std::chrono::duration_cast<std::chrono::milliseconds>(ended - paused_at).count());
    } else {
      ++elsewhere;
      EXPECT_EQ(errors, 0) << "a stream of another container was disturbed:\n" << result.body;
    }
  }
  EXPECT_EQ(on_victim, 2);
  EXPECT_EQ(elsewhere, 2);
  EXPECT_LT(longest_end_ms, 3500) << "stream_idle_timeout is 2 s";

  std::set<std::string> now;
  long long replaced_ms = -1;
  EXPECT_TRUE(eventually(20s, [&] {
    now = containers();
    if (!now.contains(victim) && now.size() == 3
        && metric("janus_pool_containers", R"(model="m",state="ready")") == 2.0) {
      replaced_ms = ms_since(paused_at);
      return true;
    }
    return false;
  })) << "the hung container was not retired and replaced";
  auto bystanders = n_load->finish();
  std::printf("reliability: docker_pause error_after_ms=%lld replaced_after_ms=%lld "
              "bystander_requests=%zu bystander_failures=%zu\n",
              longest_end_ms, replaced_ms, bystanders.size(), failures_of(bystanders));
  EXPECT_EQ(failures_of(bystanders), 0u) << "another pool's requests failed";
  EXPECT_GT(bystanders.size(), 10u);
  // Counted once its stop completed, which may come after its replacement is ready.
  EXPECT_TRUE(eventually(10s, [&] {
    return metric("janus_container_stops_total", R"(model="m",reason="unhealthy")") == 1.0;
  })) << "the hung container was not stopped as unhealthy";
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("m", "after")).status, 200u);
  sh(docker_ + " unpause " + victim);
}

/// The test's own dockerd, stopped and started again under light load.
class docker_engine_restart : public docker_runtime {
protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (name.starts_with("long_") && std::getenv("JANUS_LONG_TESTS") == nullptr) {
      GTEST_SKIP() << "a long variant (about 70 s): JANUS_LONG_TESTS=1 ctest -L long runs it";
    }
    docker_runtime::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    // A short folder: the daemon's unix sockets must fit in 108 bytes.
    daemon_.emplace(std::filesystem::path{"/tmp"} / ("jtd-" + std::to_string(::getpid())));
    if (!daemon_->start(30s) || !daemon_->load_image("janus-baseline:latest")) {
      auto why = "a private dockerd cannot run here: " + daemon_->error();
      if (const char* ci = std::getenv("CI"); ci != nullptr && std::string{ci} == "true") {
        FAIL() << why;
      }
      GTEST_SKIP() << why;
    }
    docker_ = daemon_->cli();
    docker_socket_ = daemon_->socket().string();
  }

  void TearDown() override {
    if (HasFailure() && daemon_) {
      std::cerr << "--- private dockerd log (tail) ---\n" << tail(daemon_->log(), 6000) << "\n";
    }
    docker_runtime::TearDown();
    daemon_.reset();
  }

  static std::string tail(const std::string& text, std::size_t n) {
    return text.size() <= n ? text : text.substr(text.size() - n);
  }

  void restart_under_light_load(std::chrono::seconds down);

  std::optional<private_dockerd> daemon_;
};

/// Stops the private dockerd under light load, leaves it down for `down`, starts it again and
/// checks that the pool is back at min_warm within 5 s of dockerd answering.
void docker_engine_restart::restart_under_light_load(std::chrono::seconds down) {
  start_docker(image_model("m", "    min_warm: 2\n    max_containers: 3\n"
                                "    health:\n      interval: 1s\n"),
               "  request_timeout: 5s\n");
  ASSERT_EQ(containers().size(), 2u);
  light_load load{port_, chat("m", "light"), 200ms};
  std::this_thread::sleep_for(1s);

  auto stopping_at = clock_type::now();
  ASSERT_TRUE(daemon_->stop(30s)) << "the private dockerd did not stop";
  auto stop_ms = ms_since(stopping_at);
  std::this_thread::sleep_for(down);
  auto starting_at = clock_type::now();
  ASSERT_TRUE(daemon_->start(30s)) << daemon_->error();
  auto answering_at = clock_type::now();
  auto start_ms = ms_since(starting_at);

  long long recovery_ms = -1;
  EXPECT_TRUE(eventually(20s, [&] {
    // At least min_warm: requests queued during the outage may have asked for a third.
    if (metric("janus_pool_containers", R"(model="m",state="ready")").value_or(0) >= 2.0
        && containers().size() >= 2) {
      recovery_ms = ms_since(answering_at);
      return true;
    }
    return false;
  })) << "the pool did not come back to min_warm";
  std::this_thread::sleep_for(1s);
  auto samples = load.finish();
  auto failed_after = std::count_if(samples.begin(), samples.end(), [&](const load_sample& s) {
    return s.status != 200 && s.at > answering_at + std::chrono::milliseconds(recovery_ms);
  });
  std::printf("reliability: dockerd_restart%s stop_ms=%lld down_ms=%lld start_ms=%lld "
              "recovery_ms=%lld requests=%zu failed=%zu failed_after_recovery=%lld\n",
              down > 10s ? "_long" : "", stop_ms,
              static_cast<long long>(std::chrono::milliseconds{down}.count()), start_ms, recovery_ms, samples.size(), failures_of(samples),
              static_cast<long long>(failed_after));
  ASSERT_GE(recovery_ms, 0);
  EXPECT_LT(recovery_ms, 5000) << "pools are back within a few seconds of dockerd answering";
  EXPECT_EQ(failed_after, 0) << "requests failed after the pool was back";
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("m", "after")).status, 200u);
}

TEST_F(docker_engine_restart, pools_are_back_at_min_warm_within_seconds_of_dockerd_answering) {
  // Down for 8 s: the start back-off (1 s, 2 s, 4 s, 8 s, ...) grows past what the recovery
  // may take, so only its reset brings the pool back in time.
  restart_under_light_load(8s);
}

/// The long variant (label `long`, skipped by SetUp unless JANUS_LONG_TESTS=1): 45 s down, so
/// the back-off reaches 32 s.
TEST_F(docker_engine_restart, long_after_45_s_down_pools_are_back_at_min_warm_within_seconds) {
  restart_under_light_load(45s);
}

} // namespace
} // namespace janus::test
