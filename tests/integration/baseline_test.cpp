// Starts the real janus-baseline binary and checks the Janus container contract over HTTP.

#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <csignal>
#include <filesystem>
#include <future>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

namespace janus::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

const std::string baseline_binary = std::string(JANUS_BIN_DIR) + "/janus-baseline";

constexpr std::string_view hello_body
  = R"({"model":"m","messages":[{"role":"user","content":"hello big world"}]})";

std::string chat_body(std::string_view content, std::string_view extra = {}) {
  std::string body = R"({"messages":[{"role":"user","content":")" + std::string(content) + R"("}])";
  if (!extra.empty()) {
    body += ',';
    body += extra;
  }
  return body + "}";
}

long long millis(clock_type::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/// Runs one janus-baseline per test on a free port; its log is printed when the test failed.
class baseline : public ::testing::Test {
protected:
  /// Starts the baseline with `env` on top of the test defaults (127.0.0.1, a free port, a
  /// fixed `created`) and waits until /health answers.
  std::uint16_t start(std::map<std::string, std::string> env = {}) {
    port_ = free_port();
    env.try_emplace("PORT", std::to_string(port_));
    env.try_emplace("HOST", "127.0.0.1");
    env.try_emplace("JANUS_BASELINE_CREATED", "1700000000");
    launch(std::move(env));
    EXPECT_TRUE(wait_for_http(port_, "/health", 10s)) << "janus-baseline did not come up";
    return port_;
  }

  /// Starts the baseline with exactly `env` added, without waiting for it.
  void launch(std::map<std::string, std::string> env) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    auto log = std::filesystem::temp_directory_path() / "janus-tests"
               / (std::string(info->test_suite_name()) + "." + info->name() + ".log");
    process_.emplace(std::vector<std::string>{baseline_binary}, std::move(env), log);
  }

  child_process& process() {
    return *process_;
  }

  void TearDown() override {
    if (HasFailure() && process_) {
      std::cerr << "--- janus-baseline log (" << process_->log_file() << ") ---\n"
                << process_->log() << "--- end of log ---\n";
    }
  }

  std::uint16_t port_ = 0;
  std::optional<child_process> process_;
};

// -- health and models -----------------------------------------------------------------------

TEST_F(baseline, health_answers_200_with_status_ok) {
  auto port = start();
  auto res = get(port, "/health");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_EQ(res.body, R"({"status":"ok"})");
}

TEST_F(baseline, models_list_janus_baseline_when_no_model_is_configured) {
  auto port = start();
  auto res = get(port, "/v1/models");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.body, R"({"object":"list","data":[{"id":"janus-baseline","object":"model",)"
                      R"("created":1700000000,"owned_by":"janus"}]})");
}

TEST_F(baseline, the_configured_model_is_listed_and_reported_in_every_answer) {
  auto port = start({{"JANUS_BASELINE_MODEL", "tiny-echo"}});
  EXPECT_EQ(get(port, "/v1/models").body,
            R"({"object":"list","data":[{"id":"tiny-echo","object":"model",)"
            R"("created":1700000000,"owned_by":"janus"}]})");
  auto res = post_json(port, "/v1/chat/completions", hello_body);
  EXPECT_NE(res.body.find(R"("model":"tiny-echo")"), std::string::npos) << res.body;
}

TEST_F(baseline, health_toggle_makes_health_answer_503_until_it_is_switched_back) {
  auto port = start();
  auto off = post_json(port, "/_baseline/health", R"({"healthy": false})");
  EXPECT_EQ(off.status, 200u);
  auto sick = get(port, "/health");
  EXPECT_EQ(sick.status, 503u);
  EXPECT_EQ(sick.body, R"({"status":"unhealthy"})");
  EXPECT_EQ(get(port, "/health").status, 503u);
  EXPECT_EQ(post_json(port, "/_baseline/health", R"({"healthy": true})").status, 200u);
  auto well = get(port, "/health");
  EXPECT_EQ(well.status, 200u);
  EXPECT_EQ(well.body, R"({"status":"ok"})");
  EXPECT_EQ(post_json(port, "/_baseline/health", R"({"healthy": "maybe"})").status, 400u);
}

TEST_F(baseline, stats_count_every_chat_request_read_whatever_its_answer) {
  auto port = start();
  EXPECT_EQ(get(port, "/_baseline/stats").body, R"({"chat_requests":0})");
  EXPECT_EQ(post_json(port, "/v1/chat/completions", hello_body).status, 200u);
  EXPECT_EQ(post_json(port, "/v1/chat/completions", "{").status, 400u);
  EXPECT_THROW(post_json(port, "/v1/chat/completions",
                         chat_body("x", R"("janus_baseline":{"abort_after_tokens":0})")),
               std::system_error)
    << "closed without an answer";
  EXPECT_EQ(get(port, "/health").status, 200u);
  EXPECT_EQ(get(port, "/_baseline/stats").body, R"({"chat_requests":3})");
}

TEST_F(baseline, stop_listening_refuses_new_connections_while_the_process_and_open_ones_stay) {
  auto port = start();
  http_client open{port};
  EXPECT_EQ(open.get("/health").status, 200u);
  EXPECT_EQ(post_json(port, "/_baseline/stop_listening", "").status, 200u);
  EXPECT_THROW(get(port, "/health"), std::system_error) << "connection refused";
  EXPECT_EQ(open.get("/health").status, 200u) << "an open connection still serves";
  EXPECT_TRUE(process().running());
  process().signal(SIGTERM);
  EXPECT_TRUE(process().wait_for_exit(3s).has_value()) << "SIGTERM still ends it";
}

// -- non-stream answers ----------------------------------------------------------------------

TEST_F(baseline, a_chat_completion_answers_the_exact_expected_body) {
  auto port = start({{"JANUS_BASELINE_TOKENS", "5"}});
  auto res = post_json(port, "/v1/chat/completions", hello_body);
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_EQ(res.header("content-length"), std::to_string(res.body.size()));
  EXPECT_EQ(res.body,
            R"({"id":"chatcmpl-db19be40d4644203","object":"chat.completion","created":1700000000,)"
            R"("model":"m","choices":[{"index":0,"message":{"role":"assistant",)"
            R"("content":"hello big world hello big"},"logprobs":null,"finish_reason":"stop"}],)"
            R"("usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}})");
}

TEST_F(baseline, a_non_stream_answer_waits_for_every_token_delay) {
  auto port = start();
  auto started = clock_type::now();
  auto res = post_json(port, "/v1/chat/completions",
                       chat_body("a", R"("janus_baseline":{"tokens":4,"token_delay_ms":50})"));
  EXPECT_EQ(res.status, 200u);
  EXPECT_GE(millis(clock_type::now() - started), 195);
}

TEST_F(baseline, status_override_answers_that_status_with_an_openai_error_body) {
  auto port = start();
  auto unavailable = post_json(port, "/v1/chat/completions",
                               chat_body("a", R"("janus_baseline":{"status":503})"));
  EXPECT_EQ(unavailable.status, 503u);
  EXPECT_EQ(unavailable.body,
            R"json({"error":{"message":"janus-baseline: simulated HTTP 503 (janus_baseline.status)",)json"
            R"("type":"server_error","param":null,"code":"simulated_error"}})");
  auto failed = post_json(port, "/v1/chat/completions",
                          chat_body("a", R"("stream":true,"janus_baseline":{"status":500})"));
  EXPECT_EQ(failed.status, 500u);
  EXPECT_EQ(failed.header("content-type"), "application/json");
}

TEST_F(baseline, abort_after_tokens_closes_a_non_stream_request_without_an_answer) {
  auto port = start();
  EXPECT_THROW(post_json(port, "/v1/chat/completions",
                         chat_body("a", R"("janus_baseline":{"abort_after_tokens":1})")),
               std::system_error);
  EXPECT_EQ(get(port, "/health").status, 200u);
}

// -- streamed answers ------------------------------------------------------------------------

TEST_F(baseline, a_stream_sends_role_tokens_finish_and_done_frames_in_order) {
  auto port = start({{"JANUS_BASELINE_TOKENS", "3"}});
  auto res = post_json_streaming(port, "/v1/chat/completions",
                                 chat_body("hello big world", R"("stream":true)"));
  EXPECT_EQ(res.status, 200u);
  EXPECT_TRUE(res.complete) << res.error;
  EXPECT_EQ(res.header("content-type"), "text/event-stream");
  EXPECT_EQ(res.header("cache-control"), "no-cache");
  EXPECT_EQ(res.header("transfer-encoding"), "chunked");
  auto data = sse_data_lines(res.body);
  ASSERT_EQ(data.size(), 6u) << res.body;
  const std::string head = R"({"id":"chatcmpl-)";
  const std::string rest = R"(","object":"chat.completion.chunk","created":1700000000,)"
                           R"("model":"janus-baseline","choices":[{"index":0,"delta":)";
  auto expect_frame = [&](const std::string& frame, const std::string& tail) {
    EXPECT_TRUE(frame.starts_with(head)) << frame;
    EXPECT_NE(frame.find(rest), std::string::npos) << frame;
    EXPECT_TRUE(frame.ends_with(tail)) << frame;
  };
  expect_frame(data[0], R"({"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})");
  expect_frame(data[1], R"({"content":"hello "},"logprobs":null,"finish_reason":null}]})");
  expect_frame(data[2], R"({"content":"big "},"logprobs":null,"finish_reason":null}]})");
  expect_frame(data[3], R"({"content":"world"},"logprobs":null,"finish_reason":null}]})");
  expect_frame(data[4], R"({},"logprobs":null,"finish_reason":"stop"}]})");
  EXPECT_EQ(data[5], "[DONE]");
  EXPECT_EQ(res.frames.size(), 6u);
}

TEST_F(baseline, stream_frames_arrive_one_by_one_when_tokens_are_delayed) {
  auto port = start();
  auto res = post_json_streaming(
    port, "/v1/chat/completions",
    chat_body("tick", R"("stream":true,"janus_baseline":{"tokens":5,"token_delay_ms":40})"));
  ASSERT_TRUE(res.complete) << res.error;
  ASSERT_EQ(res.frames.size(), 8u) << res.body;
  // role frame, 5 tokens 40 ms apart, finish, [DONE]: the first token arrives ~160 ms before
  // the last one, not together with it at the end.
  EXPECT_GE(millis(res.frames[5].at - res.frames[1].at), 130);
  EXPECT_GE(millis(res.frames[7].at - res.frames[0].at), 160);
  EXPECT_GE(res.pieces.size(), 6u);
  for (std::size_t i = 1; i < res.frames.size(); ++i) {
    EXPECT_GE(res.frames[i].at, res.frames[i - 1].at);
  }
}

TEST_F(baseline, first_token_delay_holds_the_first_frame_but_not_the_header) {
  auto port = start();
  auto res = post_json_streaming(
    port, "/v1/chat/completions",
    chat_body("a", R"("stream":true,"janus_baseline":{"tokens":2,"first_token_delay_ms":150})"));
  ASSERT_TRUE(res.complete) << res.error;
  ASSERT_EQ(res.frames.size(), 5u) << res.body;
  EXPECT_LT(millis(res.headers_at - res.sent_at), 100) << "the header goes at once";
  EXPECT_GE(millis(res.frames[0].at - res.sent_at), 150) << "the role frame waits the prefill";
}

TEST_F(baseline, include_usage_adds_usage_null_to_every_frame_and_a_final_usage_frame) {
  auto port = start();
  auto res = post_json_streaming(
    port, "/v1/chat/completions",
    chat_body("one two", R"("stream":true,"stream_options":{"include_usage":true},)"
                         R"("janus_baseline":{"tokens":2})"));
  ASSERT_TRUE(res.complete) << res.error;
  auto data = sse_data_lines(res.body);
  ASSERT_EQ(data.size(), 6u) << res.body;
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(data[i].ends_with(R"(}],"usage":null})")) << data[i];
  }
  EXPECT_NE(data[4].find(R"("choices":[],"usage":{"prompt_tokens":2,"completion_tokens":2,)"
                         R"("total_tokens":4}})"),
            std::string::npos)
    << data[4];
  EXPECT_EQ(data[5], "[DONE]");
}

TEST_F(baseline, error_after_tokens_ends_the_stream_with_an_error_frame_and_done) {
  auto port = start();
  auto res = post_json_streaming(
    port, "/v1/chat/completions",
    chat_body("x y", R"("stream":true,"janus_baseline":{"tokens":5,"error_after_tokens":2})"));
  EXPECT_EQ(res.status, 200u);
  EXPECT_TRUE(res.complete) << res.error;
  auto data = sse_data_lines(res.body);
  ASSERT_EQ(data.size(), 5u) << res.body;
  EXPECT_NE(data[2].find(R"("delta":{"content":"y "})"), std::string::npos);
  EXPECT_TRUE(data[3].starts_with(R"({"error":{"message":)")) << data[3];
  EXPECT_NE(data[3].find(R"("code":"simulated_error")"), std::string::npos) << data[3];
  EXPECT_EQ(data[4], "[DONE]");
  auto whole = post_json(port, "/v1/chat/completions",
                         chat_body("x", R"("janus_baseline":{"tokens":2,"error_after_tokens":1})"));
  EXPECT_EQ(whole.status, 200u) << "a non-stream request ignores it";
}

TEST_F(baseline, abort_after_tokens_cuts_the_stream_without_finish_or_done) {
  auto port = start();
  auto res = post_json_streaming(
    port, "/v1/chat/completions",
    chat_body("x y", R"("stream":true,"janus_baseline":{"tokens":5,"abort_after_tokens":2})"));
  EXPECT_EQ(res.status, 200u);
  EXPECT_FALSE(res.complete);
  EXPECT_FALSE(res.closed_by_client);
  EXPECT_FALSE(res.error.empty());
  auto data = sse_data_lines(res.body);
  ASSERT_EQ(data.size(), 3u) << res.body;
  EXPECT_NE(data[1].find(R"("delta":{"content":"x "})"), std::string::npos);
  EXPECT_NE(data[2].find(R"("delta":{"content":"y "})"), std::string::npos);
  EXPECT_EQ(res.body.find("[DONE]"), std::string::npos);
  EXPECT_EQ(get(port, "/health").status, 200u);
}

TEST_F(baseline, a_client_that_hangs_up_mid_stream_does_not_disturb_the_server) {
  auto port = start();
  stream_options hang_up;
  hang_up.close_after_frames = 2;
  auto cut = post_json_streaming(
    port, "/v1/chat/completions",
    chat_body("a", R"("stream":true,"janus_baseline":{"tokens":20,"token_delay_ms":10})"),
    hang_up);
  EXPECT_TRUE(cut.closed_by_client);
  EXPECT_FALSE(cut.complete);
  EXPECT_EQ(cut.frames.size(), 2u);
  auto full = post_json_streaming(port, "/v1/chat/completions",
                                  chat_body("a", R"("stream":true,"janus_baseline":{"tokens":3})"));
  EXPECT_TRUE(full.complete) << full.error;
  EXPECT_EQ(sse_data_lines(full.body).back(), "[DONE]");
}

TEST_F(baseline, a_slow_stream_does_not_hold_up_other_connections) {
  auto port = start();
  std::promise<void> streaming;
  stream_options options;
  options.on_frame = [&streaming, first = true](const sse_frame&) mutable {
    if (std::exchange(first, false)) {
      streaming.set_value();
    }
  };
  auto slow = std::async(std::launch::async, [&] {
    return post_json_streaming(
      port, "/v1/chat/completions",
      chat_body("a", R"("stream":true,"janus_baseline":{"tokens":5,"token_delay_ms":300})"),
      options);
  });
  ASSERT_EQ(streaming.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(get(port, "/health").status, 200u);
  EXPECT_EQ(post_json(port, "/v1/chat/completions", chat_body("b")).status, 200u);
  EXPECT_EQ(slow.wait_for(0s), std::future_status::timeout)
    << "the other requests waited for the slow stream";
  EXPECT_TRUE(slow.get().complete);
}

// -- errors ----------------------------------------------------------------------------------

TEST_F(baseline, invalid_requests_get_400_with_an_openai_error_body) {
  auto port = start();
  auto bad_json = post_json(port, "/v1/chat/completions", R"({"messages": [)");
  EXPECT_EQ(bad_json.status, 400u);
  EXPECT_TRUE(bad_json.body.starts_with(R"({"error":{"message":")")) << bad_json.body;
  EXPECT_NE(bad_json.body.find(R"("type":"invalid_request_error","param":null,)"),
            std::string::npos)
    << bad_json.body;
  auto no_messages = post_json(port, "/v1/chat/completions", R"({"model":"m"})");
  EXPECT_EQ(no_messages.status, 400u);
  EXPECT_NE(no_messages.body.find(R"("param":"messages")"), std::string::npos);
  auto empty_messages = post_json(port, "/v1/chat/completions", R"({"messages":[]})");
  EXPECT_EQ(empty_messages.status, 400u);
  auto bad_stream = post_json(port, "/v1/chat/completions", chat_body("a", R"("stream":"yes")"));
  EXPECT_EQ(bad_stream.status, 400u);
  EXPECT_NE(bad_stream.body.find(R"("param":"stream")"), std::string::npos);
  EXPECT_EQ(post_json(port, "/v1/chat/completions", "[1,2]").status, 400u);
}

TEST_F(baseline, unknown_paths_get_404_and_wrong_methods_get_405) {
  auto port = start();
  auto missing = get(port, "/v1/nothing");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.body, R"json({"error":{"message":"Invalid URL (GET /v1/nothing)",)json"
                          R"("type":"invalid_request_error","param":null,"code":"unknown_url"}})");
  auto wrong = get(port, "/v1/chat/completions");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(wrong.header("allow"), "POST");
  EXPECT_NE(wrong.body.find(R"("code":"method_not_allowed")"), std::string::npos);
  EXPECT_EQ(post_json(port, "/health", "{}").status, 405u);
}

TEST_F(baseline, a_body_over_one_mebibyte_gets_413_and_one_just_under_is_served) {
  auto port = start();
  const std::size_t mebibyte = 1024 * 1024;
  auto fits = chat_body("", R"("janus_baseline":{"tokens":1})");
  fits.insert(fits.find(R"("}])"), std::string(mebibyte - fits.size(), 'a'));
  ASSERT_EQ(fits.size(), mebibyte);
  EXPECT_EQ(post_json(port, "/v1/chat/completions", fits).status, 200u);
  auto too_big = fits;
  too_big.insert(too_big.find(R"("}])"), "a");
  auto res = post_json(port, "/v1/chat/completions", too_big);
  EXPECT_EQ(res.status, 413u);
  EXPECT_NE(res.body.find(R"("code":"request_too_large")"), std::string::npos) << res.body;
}

// -- connections and lifecycle ---------------------------------------------------------------

TEST_F(baseline, keep_alive_serves_several_requests_on_one_connection) {
  auto port = start();
  http_client client{port};
  EXPECT_EQ(client.get("/health").status, 200u);
  EXPECT_EQ(client.post_json("/v1/chat/completions", hello_body).status, 200u);
  auto streamed = client.post_json_streaming("/v1/chat/completions",
                                             chat_body("a", R"("stream":true)"));
  EXPECT_TRUE(streamed.complete);
  EXPECT_EQ(client.get("/v1/models").status, 200u);
  EXPECT_TRUE(client.is_open());
  EXPECT_EQ(client.connection_count(), 1u);
}

TEST_F(baseline, sigterm_lets_a_short_stream_finish_and_exits_0) {
  auto port = start();
  std::promise<void> streaming;
  stream_options options;
  options.on_frame = [&streaming, first = true](const sse_frame&) mutable {
    if (std::exchange(first, false)) {
      streaming.set_value();
    }
  };
  auto stream = std::async(std::launch::async, [&] {
    return post_json_streaming(
      port, "/v1/chat/completions",
      chat_body("a", R"("stream":true,"janus_baseline":{"tokens":5,"token_delay_ms":50})"),
      options);
  });
  ASSERT_EQ(streaming.get_future().wait_for(10s), std::future_status::ready);
  process().signal(SIGTERM);
  auto status = process().wait_for_exit(3s);
  ASSERT_TRUE(status) << "still running 3 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_wait_status(*status);
  auto res = stream.get();
  EXPECT_TRUE(res.complete) << res.error;
  EXPECT_EQ(sse_data_lines(res.body).back(), "[DONE]");
  EXPECT_NE(process().log().find("janus-baseline stopped"), std::string::npos);
}

TEST_F(baseline, sigterm_exits_0_within_3_seconds_even_with_a_long_stream_in_flight) {
  auto port = start();
  std::promise<void> streaming;
  stream_options options;
  options.on_frame = [&streaming, first = true](const sse_frame&) mutable {
    if (std::exchange(first, false)) {
      streaming.set_value();
    }
  };
  auto stream = std::async(std::launch::async, [&] {
    return post_json_streaming(
      port, "/v1/chat/completions",
      chat_body("a", R"("stream":true,"janus_baseline":{"tokens":100,"token_delay_ms":100})"),
      options);
  });
  ASSERT_EQ(streaming.get_future().wait_for(10s), std::future_status::ready);
  const auto signalled = clock_type::now();
  process().signal(SIGTERM);
  auto status = process().wait_for_exit(3s);
  ASSERT_TRUE(status) << "still running 3 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_wait_status(*status);
  auto res = stream.get();
  EXPECT_FALSE(res.complete);
  // The stream went on during the grace period, then was cut.
  std::size_t after_signal = 0;
  for (const auto& frame : res.frames) {
    after_signal += frame.at > signalled ? 1 : 0;
  }
  EXPECT_GE(after_signal, 5u);
  EXPECT_GE(millis(clock_type::now() - signalled), 1500);
}

TEST_F(baseline, sigterm_closes_idle_connections_and_exits_without_waiting_for_them) {
  auto port = start();
  http_client idle{port};
  ASSERT_EQ(idle.get("/health").status, 200u);
  ASSERT_TRUE(idle.is_open());
  const auto signalled = clock_type::now();
  process().signal(SIGTERM);
  auto status = process().wait_for_exit(3s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_wait_status(*status);
  EXPECT_LT(millis(clock_type::now() - signalled), 1000)
    << "an idle keep-alive connection held up the shutdown";
}

TEST_F(baseline, startup_delay_postpones_listening) {
  port_ = free_port();
  const auto launched = clock_type::now();
  launch({{"PORT", std::to_string(port_)},
          {"HOST", "127.0.0.1"},
          {"JANUS_BASELINE_STARTUP_DELAY_MS", "400"}});
  ASSERT_TRUE(wait_for_http(port_, "/health", 10s));
  EXPECT_GE(millis(clock_type::now() - launched), 400);
  EXPECT_NE(process().log().find("janus-baseline listening on 127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
    << process().log();
}

TEST_F(baseline, a_bad_environment_value_exits_2_with_a_message_naming_the_variable) {
  launch({{"PORT", "abc"}});
  auto status = process().wait_for_exit(5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << describe_wait_status(*status);
  EXPECT_NE(process().log().find(R"(PORT must be an integer in [0, 65535], got "abc")"),
            std::string::npos)
    << process().log();
}

} // namespace
} // namespace janus::test
