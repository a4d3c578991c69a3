// Streams that wait for a container (server.sse_keepalive), against a real janusd with real
// janus-baseline children made slow to boot: the early head, the `: keep-alive` comments, the
// stream after them, a failure after the head, and what stays as it was (short waits,
// non-streaming requests). Also what a request path failure tells the client: janusd's own
// shortage of descriptors, and which container cut a non-streamed answer.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/raw_connection.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr auto boot = 1500ms;

/// A model with no warm container whose containers take `boot` to listen.
std::string slow_boot_model(const std::string& extra = {}) {
  return "  m:\n    command: [\"janus-baseline\"]\n"
         "    env:\n      JANUS_BASELINE_TOKENS: \"4\"\n"
         "      JANUS_BASELINE_STARTUP_DELAY_MS: \""
         + std::to_string(boot.count()) + "\"\n"
         "    min_warm: 0\n    max_containers: 1\n"
         "    prewarm_window: 0s\n"
         "    health:\n      interval: 60s\n"
         + extra;
}

std::string chat(bool stream, const std::string& extra = {}) {
  return std::string{R"({"model":"m","messages":[{"role":"user","content":"hi there"}])"}
         + (stream ? R"(,"stream":true)" : "") + extra + "}";
}

long long ms_between(clock_type::time_point from, clock_type::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

std::size_t open_fds_of(pid_t pid) {
  std::size_t count = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator{"/proc/" + std::to_string(pid) + "/fd", ec};
       !ec && it != std::filesystem::directory_iterator{}; it.increment(ec)) {
    ++count;
  }
  return count;
}

using sse_keepalive = janusd_fixture;

TEST_F(sse_keepalive, a_stream_waiting_for_a_slow_cold_start_gets_its_head_early_then_keep_alive_comments_then_the_stream) {
  start(slow_boot_model(), "  sse_keepalive: 200ms\n");
  auto result = post_json_streaming(port_, "/v1/chat/completions", chat(true), {},
                                    {{"x-request-id", "ka-cold-1"}});
  ASSERT_EQ(result.status, 200u) << result.body;
  EXPECT_TRUE(result.complete) << result.error;
  EXPECT_EQ(result.header("content-type"), "text/event-stream");
  EXPECT_EQ(result.header("x-request-id"), "ka-cold-1");
  // Which container serves it is not known when the head goes: that comes in the stream.
  EXPECT_EQ(result.header("x-janus-container"), "");
  auto head_ms = ms_between(result.sent_at, result.headers_at);
  EXPECT_LT(head_ms, 900) << "the head waited for the cold start";

  std::size_t keep_alives = 0;
  std::size_t first_data = result.frames.size();
  std::size_t janus_comment = result.frames.size();
  for (std::size_t i = 0; i < result.frames.size(); ++i) {
    const auto& text = result.frames[i].text;
    if (text == ": keep-alive") {
      EXPECT_LT(i, first_data) << "a keep-alive after the stream began";
      ++keep_alives;
    } else if (text.starts_with(": x-janus-container: ")) {
      janus_comment = i;
    } else if (text.starts_with("data: ") && first_data == result.frames.size()) {
      first_data = i;
    }
  }
  ASSERT_LT(first_data, result.frames.size()) << result.body;
  auto first_data_ms = ms_between(result.sent_at, result.frames[first_data].at);
  std::printf("sse_keepalive 200ms, cold start of %lld ms: head after %lld ms, %zu keep-alive "
              "comments, first data frame after %lld ms\n",
              static_cast<long long>(boot.count()), head_ms, keep_alives, first_data_ms);
  EXPECT_GE(first_data_ms, boot.count()) << "the container was not cold";
  // 1.5 s at one comment per 200 ms: 7, less what the poll of the cold start's readiness adds.
  EXPECT_GE(keep_alives, 5u) << result.body;
  EXPECT_LE(keep_alives, static_cast<std::size_t>(first_data_ms / 200 + 1)) << result.body;
  ASSERT_LT(janus_comment, first_data) << result.body;
  const auto& facts = result.frames[janus_comment].text;
  EXPECT_NE(facts.find(": x-janus-start: cold"), std::string::npos) << facts;
  EXPECT_NE(facts.find(": x-janus-queue-ms: "), std::string::npos) << facts;
  EXPECT_EQ(result.frames.back().text, "data: [DONE]");
  EXPECT_EQ(result.body.find(R"("error")"), std::string::npos) << result.body;

  // Warm now: no wait, no comments, the usual head.
  auto warm = post_json_streaming(port_, "/v1/chat/completions", chat(true));
  ASSERT_EQ(warm.status, 200u);
  EXPECT_NE(warm.header("x-janus-container"), "");
  EXPECT_EQ(warm.body.find(": keep-alive"), std::string::npos) << warm.body;
}

TEST_F(sse_keepalive, a_wait_that_fails_after_the_head_ends_the_stream_with_an_error_frame_and_done) {
  start(slow_boot_model("    queue_timeout: 700ms\n"), "  sse_keepalive: 200ms\n");
  auto result = post_json_streaming(port_, "/v1/chat/completions", chat(true));
  ASSERT_EQ(result.status, 200u) << result.body;
  EXPECT_LT(ms_between(result.sent_at, result.headers_at), 600);
  EXPECT_TRUE(result.complete) << "the stream ended without its last chunk: " << result.error;
  ASSERT_GE(result.frames.size(), 3u) << result.body;
  EXPECT_EQ(result.frames.front().text, ": keep-alive");
  const auto& error = result.frames[result.frames.size() - 2].text;
  EXPECT_TRUE(error.starts_with(R"(data: {"error":{)")) << error;
  EXPECT_NE(error.find(R"("code":"queue_timeout")"), std::string::npos) << error;
  EXPECT_EQ(result.frames.back().text, "data: [DONE]");
  auto waited = ms_between(result.sent_at, result.frames.back().at);
  EXPECT_GE(waited, 650) << "queue_timeout still holds";
  EXPECT_LT(waited, 1200) << "queue_timeout still holds";
}

TEST_F(sse_keepalive, a_wait_shorter_than_sse_keepalive_keeps_its_real_status) {
  start(slow_boot_model("    queue_timeout: 300ms\n"), "  sse_keepalive: 2s\n");
  auto result = post_json_streaming(port_, "/v1/chat/completions", chat(true));
  EXPECT_EQ(result.status, 429u) << result.body;
  EXPECT_NE(result.body.find(R"("code":"queue_timeout")"), std::string::npos) << result.body;
  EXPECT_EQ(result.body.find(": keep-alive"), std::string::npos) << result.body;
}

TEST_F(sse_keepalive, a_non_streaming_request_under_the_same_wait_gets_no_early_head) {
  start(slow_boot_model(), "  sse_keepalive: 200ms\n");
  auto result = post_json_streaming(port_, "/v1/chat/completions", chat(false));
  ASSERT_EQ(result.status, 200u) << result.body;
  EXPECT_GE(ms_between(result.sent_at, result.headers_at), boot.count());
  EXPECT_EQ(result.header("content-type"), "application/json");
  EXPECT_EQ(result.header("x-janus-start"), "cold");
  EXPECT_NE(result.header("x-janus-container"), "");
  EXPECT_EQ(result.body.find(": keep-alive"), std::string::npos) << result.body;
  EXPECT_EQ(result.body.front(), '{') << result.body;
}

TEST_F(sse_keepalive, sse_keepalive_0_turns_the_early_head_off) {
  start(slow_boot_model(), "  sse_keepalive: 0s\n");
  auto result = post_json_streaming(port_, "/v1/chat/completions", chat(true));
  ASSERT_EQ(result.status, 200u) << result.body;
  EXPECT_GE(ms_between(result.sent_at, result.headers_at), boot.count());
  EXPECT_NE(result.header("x-janus-container"), "");
  EXPECT_EQ(result.body.find(": keep-alive"), std::string::npos) << result.body;
}

TEST_F(sse_keepalive, an_http_1_0_client_gets_its_early_head_and_comments_close_delimited) {
  start(slow_boot_model(), "  sse_keepalive: 200ms\n");
  raw_connection client{port_};
  const auto body = chat(true);
  ASSERT_TRUE(client.send("POST /v1/chat/completions HTTP/1.0\r\nConnection: keep-alive\r\n"
                          "Content-Type: application/json\r\nContent-Length: "
                          + std::to_string(body.size()) + "\r\n\r\n" + body));
  EXPECT_TRUE(client.closed_within(10s)) << "the stream did not end with the connection";
  const auto& got = client.pending();
  ASSERT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
  auto head_end = got.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << got;
  auto head = got.substr(0, head_end);
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: close"), std::string::npos) << head;
  auto stream = got.substr(head_end + 4);
  EXPECT_TRUE(stream.starts_with(": keep-alive\n\n")) << stream;
  EXPECT_NE(stream.find(": x-janus-start: cold\n"), std::string::npos) << stream;
  EXPECT_TRUE(stream.ends_with("data: [DONE]\n\n")) << stream;
}

// -- what a failed request path tells the client ---------------------------------------------

std::string warm_model(const std::string& extra = {}) {
  return "  m:\n    command: [\"janus-baseline\"]\n"
         "    env:\n      JANUS_BASELINE_TOKENS: \"4\"\n"
         "    health:\n      interval: 60s\n"
         + extra;
}

TEST_F(sse_keepalive, a_non_streamed_answer_cut_by_a_container_kill_gets_502_naming_the_container) {
  start(warm_model("    min_warm: 1\n    max_containers: 1\n"));
  auto warm = post_json(port_, "/v1/chat/completions", chat(false));
  ASSERT_EQ(warm.status, 200u) << warm.body;
  auto container = warm.header("x-janus-container");
  ASSERT_NE(container, "");
  auto children = model_processes();
  ASSERT_EQ(children.size(), 1u);
  auto slow = std::async(std::launch::async, [&] {
    return post_json(port_, "/v1/chat/completions",
                     chat(false, R"(,"janus_baseline":{"tokens":20,"token_delay_ms":100})"));
  });
  std::this_thread::sleep_for(500ms);
  ASSERT_EQ(::kill(*children.begin(), SIGKILL), 0);
  auto cut = slow.get();
  EXPECT_EQ(cut.status, 502u) << cut.body;
  EXPECT_NE(cut.body.find(R"("code":"upstream_error")"), std::string::npos) << cut.body;
  EXPECT_EQ(cut.header("x-janus-container"), container);
}

TEST_F(sse_keepalive, a_chat_request_while_janusd_is_out_of_descriptors_gets_503_and_is_neither_retried_nor_blamed) {
  start(warm_model("    min_warm: 2\n    max_containers: 2\n"), "  max_retries: 2\n");
  auto pid = janusd_->pid();
  raw_connection served{port_};
  const auto body = chat(false);
  const auto chat_request = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                            "Content-Type: application/json\r\nContent-Length: "
                            + std::to_string(body.size()) + "\r\n\r\n" + body;
  // No chat request yet: no pooled container connection a chat request could reuse.
  ASSERT_TRUE(served.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = served.read_response(5s);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->status, 200u);
  auto children = model_processes();
  auto retries_before = metric("janus_upstream_retries_total", R"(model="m")").value_or(0);
  // Take every descriptor: connections past the limit wait in the listen backlog.
  rlimit before{};
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, nullptr, &before), 0);
  rlimit low = before;
  low.rlim_cur = open_fds_of(pid) + 4; // the soft limit only: it can be raised back
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &low, nullptr), 0);
  std::vector<std::unique_ptr<raw_connection>> waiting;
  bool exhausted = false;
  for (int i = 0; i < 12 && !exhausted; ++i) {
    waiting.push_back(std::make_unique<raw_connection>(port_));
    waiting.back()->send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    exhausted = !waiting.back()->read_response(500ms).has_value();
  }
  ASSERT_TRUE(exhausted) << "janusd never ran out of descriptors";

  ASSERT_TRUE(served.send(chat_request));
  auto refused = served.read_response(5s);
  // Raise the limit first, so a failed assertion leaves janusd able to stop.
  ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &before, nullptr), 0);
  ASSERT_TRUE(refused.has_value()) << "a chat request while out of descriptors got no answer";
  EXPECT_EQ(refused->status, 503u) << refused->body;
  EXPECT_EQ(refused->header("retry-after"), "1");
  EXPECT_NE(refused->body.find(R"("code":"engine_overloaded")"), std::string::npos) << refused->body;
  EXPECT_EQ(refused->header("x-janus-container"), "") << "no container is to blame";
  EXPECT_TRUE(eventually(2s, [&] {
    return janusd_->log().find("status=503 outcome=rejected error=engine_overloaded attempts=1") != std::string::npos;
  })) << "it was sent again (or not logged as janusd's refusal)";
  EXPECT_EQ(metric("janus_upstream_retries_total", R"(model="m")").value_or(0), retries_before)
    << "it was sent again";

  // Served again once descriptors are back, by the same containers.
  ASSERT_TRUE(served.send(chat_request));
  auto recovered = served.read_response(5s);
  ASSERT_TRUE(recovered.has_value());
  EXPECT_EQ(recovered->status, 200u) << recovered->body;
  auto now = model_processes();
  for (auto child : children) {
    EXPECT_TRUE(now.contains(child)) << "container process " << child
                                     << " was retired for janusd's own shortage";
  }
}

} // namespace
} // namespace janus::test
