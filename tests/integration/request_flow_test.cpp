// Deadlines, safe retries, queue places and failure accounting, against the real janusd with real
// janus-baseline processes: what a hostile client or a misbehaving model can do to a pool.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

std::string baseline_model(const std::string& settings) {
  return "  m:\n    command: [\"janus-baseline\"]\n"
         "    env:\n      JANUS_BASELINE_CREATED: \"1700000000\"\n"
         + settings;
}

std::string chat(const std::string& extra = {}) {
  std::string body = R"({"model":"m","messages":[{"role":"user","content":"hello there"}])";
  if (!extra.empty()) {
    body += "," + extra;
  }
  return body + "}";
}

/// A client that sends one chat request on its own connection and does not read the answer:
/// it hangs up when the test says so.
class hanging_client {
public:
  hanging_client(std::uint16_t port, const std::string& body) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ADD_FAILURE() << "cannot connect to janusd";
      return;
    }
    std::string request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\nContent-Length: "
                          + std::to_string(body.size()) + "\r\n\r\n" + body;
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL)
        != static_cast<ssize_t>(request.size())) {
      ADD_FAILURE() << "cannot send the request";
    }
  }

  hanging_client(const hanging_client&) = delete;
  hanging_client& operator=(const hanging_client&) = delete;

  ~hanging_client() {
    hang_up();
  }

  void hang_up() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

private:
  int fd_ = -1;
};

class request_flow : public janusd_fixture {
protected:
  /// The chat requests each janus-baseline child has read so far, by pid (its own counter).
  std::map<pid_t, int> requests_per_container() {
    std::map<pid_t, int> out;
    for (auto pid : model_processes()) {
      auto port = environment_of(pid, "PORT");
      if (port.empty()) {
        ADD_FAILURE() << "no PORT for container process " << pid;
        continue;
      }
      auto stats = get(static_cast<std::uint16_t>(std::stoi(port)), "/_baseline/stats");
      auto at = stats.body.find(':');
      out[pid] = at == std::string::npos ? -1 : std::stoi(stats.body.substr(at + 1));
    }
    return out;
  }

  int total_requests() {
    int total = 0;
    for (const auto& [pid, count] : requests_per_container()) {
      total += count;
    }
    return total;
  }

  double metric_or_zero(const std::string& name, const std::string& labels) {
    return metric(name, labels).value_or(0.0);
  }
};

// -- deadlines -----------------------------------------------------------------------------

TEST_F(request_flow, a_stream_past_request_timeout_ends_with_an_upstream_timeout_error_frame_and_done) {
  start(baseline_model("    min_warm: 1\n    max_containers: 1\n    max_concurrency: 1\n"),
        "  request_timeout: 1500ms\n");
  auto started = clock_type::now();
  auto result = post_json_streaming(
    port_, "/v1/chat/completions",
    chat(R"("stream":true,"janus_baseline":{"tokens":50,"token_delay_ms":200})"));
  auto took = clock_type::now() - started;
  ASSERT_EQ(result.status, 200u);
  EXPECT_TRUE(result.complete) << "the stream ends properly: " << result.error;
  auto data = sse_data_lines(result.body);
  ASSERT_GE(data.size(), 3u) << result.body;
  EXPECT_EQ(data.back(), "[DONE]");
  const auto& error_frame = data[data.size() - 2];
  EXPECT_TRUE(error_frame.starts_with(R"({"error":)")) << error_frame;
  EXPECT_NE(error_frame.find(R"("code":"upstream_timeout")"), std::string::npos) << error_frame;
  EXPECT_LT(data.size(), 15u) << "the stream ran on past the deadline";
  EXPECT_GE(took, 1400ms);
  EXPECT_LT(took, 2500ms);
  // The slot was freed at the deadline: the next request is served at once.
  auto next = post_json(port_, "/v1/chat/completions", chat());
  EXPECT_EQ(next.status, 200u) << next.body;
  EXPECT_LT(std::stoi(next.header("x-janus-queue-ms")), 100);
  EXPECT_EQ(metric_or_zero("janus_request_outcomes_total", R"(model="m",outcome="timeout")"), 1.0);
}

TEST_F(request_flow, a_whole_answer_not_started_by_request_timeout_gets_504_and_frees_the_slot) {
  start(baseline_model("    min_warm: 1\n    max_containers: 1\n    max_concurrency: 1\n"
                       "    first_byte_timeout: 30s\n"),
        "  request_timeout: 800ms\n");
  auto started = clock_type::now();
  auto result = post_json(port_, "/v1/chat/completions",
                          chat(R"("janus_baseline":{"first_token_delay_ms":5000})"));
  auto took = clock_type::now() - started;
  EXPECT_EQ(result.status, 504u) << result.body;
  EXPECT_NE(result.body.find(R"("code":"upstream_timeout")"), std::string::npos) << result.body;
  EXPECT_LT(took, 1500ms);
  EXPECT_TRUE(eventually(1s, [&] {
    return metric("janus_pool_inflight_requests", R"(model="m")") == 0.0;
  }));
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat()).status, 200u);
}

TEST_F(request_flow, a_models_first_byte_timeout_replaces_the_servers_upstream_timeout) {
  start(baseline_model("    min_warm: 1\n    max_containers: 1\n    first_byte_timeout: 300ms\n"),
        "  upstream_timeout: 20s\n");
  auto started = clock_type::now();
  auto result = post_json(port_, "/v1/chat/completions",
                          chat(R"("janus_baseline":{"first_token_delay_ms":2000})"));
  auto took = clock_type::now() - started;
  EXPECT_EQ(result.status, 504u) << result.body;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 1500ms);
}

// -- queue places --------------------------------------------------------------------------

TEST_F(request_flow, clients_that_hang_up_while_queued_leave_the_queue_at_once) {
  start(baseline_model("    min_warm: 1\n    max_containers: 1\n    max_concurrency: 1\n"
                       "    queue_limit: 5\n    queue_timeout: 20s\n"));
  // One slot, taken for 3 s.
  auto busy = std::async(std::launch::async, [&] {
    return post_json(port_, "/v1/chat/completions",
                     chat(R"("janus_baseline":{"tokens":10,"token_delay_ms":300})"));
  });
  ASSERT_TRUE(eventually(2s, [&] {
    return metric("janus_pool_inflight_requests", R"(model="m")") == 1.0;
  }));
  std::vector<std::unique_ptr<hanging_client>> queued;
  for (int i = 0; i < 5; ++i) {
    queued.push_back(std::make_unique<hanging_client>(port_, chat()));
  }
  ASSERT_TRUE(eventually(2s, [&] {
    return metric("janus_pool_waiting_requests", R"(model="m")") == 5.0;
  })) << "five requests should wait";
  auto hung_up = clock_type::now();
  for (auto& client : queued) {
    client->hang_up();
  }
  EXPECT_TRUE(eventually(1s, [&] {
    return metric("janus_pool_waiting_requests", R"(model="m")") == 0.0;
  })) << "the queue places stayed taken after their clients left";
  EXPECT_LT(clock_type::now() - hung_up, 1s);
  // A fresh client is queued (not refused) and served once the slot is free.
  auto fresh = post_json(port_, "/v1/chat/completions", chat());
  EXPECT_EQ(fresh.status, 200u) << fresh.body;
  EXPECT_GT(std::stoi(fresh.header("x-janus-queue-ms")), 500) << "it waited for the slot";
  EXPECT_EQ(busy.get().status, 200u);
  EXPECT_EQ(metric_or_zero("janus_rejected_requests_total", R"(model="m",reason="queue_full")"),
            0.0);
  EXPECT_EQ(total_requests(), 2) << "no request of a client that left reached the model";
}

// -- retries and failure accounting ---------------------------------------------------------

TEST_F(request_flow, poison_requests_and_slow_whole_answers_retire_no_healthy_container_and_are_never_resent) {
  start(baseline_model("    min_warm: 4\n    max_containers: 4\n    max_concurrency: 2\n"
                       "    first_byte_timeout: 300ms\n"),
        "  max_retries: 2\n");
  auto before = model_processes();
  ASSERT_EQ(before.size(), 4u);
  // Warm-up requests leave pooled keep-alive connections: later requests meet them, and a close
  // without an answer on one looks like a connection the container closed while it was idle.
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat()).status, 200u);
  }
  auto sent_before = total_requests();

  // Poison: the container reads the request and closes the connection without answering.
  const auto poison = chat(R"("janus_baseline":{"abort_after_tokens":0})");
  for (int i = 0; i < 6; ++i) {
    auto result = post_json(port_, "/v1/chat/completions", poison);
    EXPECT_EQ(result.status, 502u) << result.body;
    EXPECT_NE(result.body.find(R"("code":"upstream_error")"), std::string::npos) << result.body;
  }
  std::vector<std::future<http_result>> concurrent;
  for (int i = 0; i < 6; ++i) {
    concurrent.push_back(std::async(std::launch::async, [&] {
      return post_json(port_, "/v1/chat/completions", poison);
    }));
  }
  for (auto& call : concurrent) {
    EXPECT_EQ(call.get().status, 502u);
  }
  // Slow whole answers: nothing arrives within first_byte_timeout.
  const auto slow = chat(R"("janus_baseline":{"first_token_delay_ms":1000,"tokens":2})");
  for (int i = 0; i < 3; ++i) {
    auto result = post_json(port_, "/v1/chat/completions", slow);
    EXPECT_EQ(result.status, 504u) << result.body;
    EXPECT_NE(result.body.find(R"("code":"upstream_timeout")"), std::string::npos) << result.body;
  }

  auto generations = total_requests() - sent_before;
  std::printf("reliability: poison requests=15 generations=%d retries=%.0f containers_kept=%zu/4 "
              "failing_stops=%.0f\n",
              generations, metric_or_zero("janus_upstream_retries_total", R"(model="m")"),
              static_cast<std::size_t>(std::count_if(before.begin(), before.end(), [&](pid_t pid) {
                return model_processes().contains(pid);
              })),
              metric_or_zero("janus_container_stops_total", R"(model="m",reason="failing")"));
  EXPECT_EQ(generations, 15) << "a request that may have reached the model was sent again";
  EXPECT_EQ(metric_or_zero("janus_upstream_retries_total", R"(model="m")"), 0.0);
  EXPECT_EQ(metric_or_zero("janus_request_outcomes_total", R"(model="m",outcome="timeout")"), 3.0)
    << "slow answers count as timeouts";
  // The pool kept its four containers: the same processes, none stopped.
  EXPECT_EQ(model_processes(), before);
  EXPECT_EQ(metric_or_zero("janus_container_stops_total", R"(model="m",reason="failing")"), 0.0);
  EXPECT_EQ(metric("janus_pool_containers", R"(model="m",state="ready")"), 4.0);
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat()).status, 200u);
}

TEST_F(request_flow, a_container_that_refuses_connections_is_retried_elsewhere_and_retired) {
  start(baseline_model("    min_warm: 2\n    max_containers: 2\n    failure_threshold: 1\n"
                       "    health:\n      interval: 60s\n"),
        "  max_retries: 2\n");
  auto before = model_processes();
  ASSERT_EQ(before.size(), 2u);
  // One container's listener dies (its process lives on, so nothing tells the pool).
  auto broken = *before.begin();
  auto broken_port = static_cast<std::uint16_t>(std::stoi(environment_of(broken, "PORT")));
  ASSERT_EQ(post_json(broken_port, "/_baseline/stop_listening", "").status, 200u);
  // One long request and one short one take both containers (fewest in flight first): one of
  // them meets the refusal, is sent again to the other container, and is served.
  auto long_one = std::async(std::launch::async, [&] {
    return post_json(port_, "/v1/chat/completions",
                     chat(R"("janus_baseline":{"tokens":4,"token_delay_ms":150})"));
  });
  std::this_thread::sleep_for(100ms);
  auto short_one = post_json(port_, "/v1/chat/completions", chat());
  EXPECT_EQ(short_one.status, 200u) << short_one.body;
  EXPECT_EQ(long_one.get().status, 200u);
  EXPECT_EQ(metric_or_zero("janus_upstream_retries_total", R"(model="m")"), 1.0);
  // A refused connection is the container's fault alone: at failure_threshold 1 it is retired
  // and replaced.
  EXPECT_TRUE(eventually(5s, [&] {
    auto now = model_processes();
    return !now.contains(broken) && now.size() == 2
           && metric("janus_pool_containers", R"(model="m",state="ready")") == 2.0;
  })) << "the refusing container was not replaced";
  EXPECT_EQ(metric_or_zero("janus_container_stops_total", R"(model="m",reason="failing")"), 1.0);
}

TEST_F(request_flow, an_error_frame_a_container_streams_counts_as_an_error_of_the_request) {
  start(baseline_model("    min_warm: 1\n"));
  auto result = post_json_streaming(
    port_, "/v1/chat/completions",
    chat(R"("stream":true,"janus_baseline":{"tokens":5,"error_after_tokens":2})"));
  ASSERT_EQ(result.status, 200u);
  EXPECT_TRUE(result.complete);
  auto data = sse_data_lines(result.body);
  ASSERT_GE(data.size(), 2u);
  EXPECT_EQ(data.back(), "[DONE]");
  EXPECT_EQ(metric_or_zero("janus_request_outcomes_total", R"(model="m",outcome="error_frame")"),
            1.0);
  EXPECT_TRUE(eventually(2s, [&] {
    auto log = janusd_->log();
    return log.find("outcome=error_frame") != std::string::npos
           && log.find("error=upstream_error") != std::string::npos;
  })) << "the request's log line names the error frame";
  // The container is not blamed for its model's answer: it serves on.
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat()).status, 200u);
}

} // namespace
} // namespace janus::test
