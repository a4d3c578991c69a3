// Starts the real janusd with real janus-baseline processes on loopback and checks the engine
// over HTTP: relaying, queueing, replacement, disconnects, errors and shutdown.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <thread>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

/// A `models:` entry for janus-baseline, indented for the fixture's YAML.
std::string baseline_model(const std::string& name, const std::string& settings,
                           const std::string& env = {}) {
  std::string yaml = "  " + name + ":\n    command: [\"janus-baseline\"]\n";
  yaml += "    env:\n      JANUS_BASELINE_CREATED: \"1700000000\"\n";
  if (!env.empty()) {
    yaml += env;
  }
  yaml += settings;
  return yaml;
}

std::string chat(const std::string& model, const std::string& text, const std::string& extra = {}) {
  std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":")" + text + R"("}])";
  if (!extra.empty()) {
    body += "," + extra;
  }
  return body + "}";
}

using janusd = janusd_fixture;

// -- relaying ------------------------------------------------------------------------------

TEST_F(janusd, answers_equal_the_baselines_own_byte_for_byte) {
  start(baseline_model("m", "    min_warm: 1\n",
                       "      JANUS_BASELINE_TOKENS: \"7\"\n"));
  // The same baseline, served directly.
  auto direct_port = free_port();
  child_process direct{{bin_path("janus-baseline")},
                       {{"PORT", std::to_string(direct_port)}, {"HOST", "127.0.0.1"},
                        {"JANUS_BASELINE_CREATED", "1700000000"}, {"JANUS_BASELINE_TOKENS", "7"}},
                       dir_ / "direct.log"};
  ASSERT_TRUE(wait_for_http(direct_port, "/health", 10s));

  auto plain = chat("m", "byte exact please");
  auto via_engine = post_json(port_, "/v1/chat/completions", plain);
  auto via_direct = post_json(direct_port, "/v1/chat/completions", plain);
  ASSERT_EQ(via_engine.status, 200u) << via_engine.body;
  EXPECT_EQ(via_engine.body, via_direct.body);
  EXPECT_EQ(via_engine.header("content-type"), "application/json");

  auto streamed = chat("m", "stream it", R"("stream":true,"stream_options":{"include_usage":true})");
  auto s_engine = post_json_streaming(port_, "/v1/chat/completions", streamed);
  auto s_direct = post_json_streaming(direct_port, "/v1/chat/completions", streamed);
  ASSERT_EQ(s_engine.status, 200u);
  EXPECT_TRUE(s_engine.complete);
  EXPECT_EQ(s_engine.body, s_direct.body);
  EXPECT_EQ(s_engine.header("content-type"), "text/event-stream");
  auto data = sse_data_lines(s_engine.body);
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(data.back(), "[DONE]");
}

TEST_F(janusd, frames_are_relayed_as_they_arrive_not_at_the_end) {
  start(baseline_model("m", "    min_warm: 1\n"));
  auto body = chat("m", "slow stream",
                   R"("stream":true,"janus_baseline":{"tokens":6,"token_delay_ms":150})");
  auto result = post_json_streaming(port_, "/v1/chat/completions", body);
  ASSERT_EQ(result.status, 200u);
  ASSERT_GE(result.frames.size(), 8u);
  // Six tokens 150 ms apart: the first content frame must reach the client long before the last.
  auto spread = result.frames.back().at - result.frames[1].at;
  EXPECT_GE(spread, 600ms) << "frames were buffered instead of relayed";
}

TEST_F(janusd, every_answer_carries_a_request_id_and_start_headers) {
  start(baseline_model("m", "    min_warm: 1\n"));
  auto mine = post_json(port_, "/v1/chat/completions", chat("m", "hi"), {{"x-request-id", "abc-123"}});
  EXPECT_EQ(mine.header("x-request-id"), "abc-123");
  EXPECT_EQ(mine.header("x-janus-start"), "prewarmed");
  EXPECT_FALSE(mine.header("x-janus-container").empty());
  auto second = post_json(port_, "/v1/chat/completions", chat("m", "hi"));
  EXPECT_EQ(second.header("x-request-id").size(), 16u);
  EXPECT_EQ(second.header("x-janus-start"), "warm");
  auto health = get(port_, "/health");
  EXPECT_EQ(health.status, 200u);
  EXPECT_FALSE(health.header("x-request-id").empty());
}

TEST_F(janusd, models_lists_the_configured_models) {
  start(baseline_model("alpha", "    min_warm: 0\n") + baseline_model("beta", "    min_warm: 0\n"));
  auto models = get(port_, "/v1/models");
  ASSERT_EQ(models.status, 200u);
  EXPECT_NE(models.body.find(R"("id":"alpha")"), std::string::npos) << models.body;
  EXPECT_NE(models.body.find(R"("id":"beta")"), std::string::npos) << models.body;
  EXPECT_NE(models.body.find(R"("object":"list")"), std::string::npos);
}

// -- errors --------------------------------------------------------------------------------

TEST_F(janusd, bad_requests_get_openai_errors_with_the_right_status) {
  start(baseline_model("m", "    min_warm: 0\n"), "  max_body_bytes: 2KiB\n");
  auto invalid = post_json(port_, "/v1/chat/completions", "{not json");
  EXPECT_EQ(invalid.status, 400u);
  EXPECT_NE(invalid.body.find(R"("type":"invalid_request_error")"), std::string::npos) << invalid.body;

  auto no_messages = post_json(port_, "/v1/chat/completions", R"({"model":"m"})");
  EXPECT_EQ(no_messages.status, 400u);
  EXPECT_NE(no_messages.body.find(R"("param":"messages")"), std::string::npos) << no_messages.body;

  auto unknown = post_json(port_, "/v1/chat/completions", chat("nope", "hi"));
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_NE(unknown.body.find(R"("code":"model_not_found")"), std::string::npos) << unknown.body;

  auto large = post_json(port_, "/v1/chat/completions", chat("m", std::string(4096, 'x')));
  EXPECT_EQ(large.status, 413u);
  EXPECT_NE(large.body.find(R"("code":"request_too_large")"), std::string::npos) << large.body;

  auto wrong_method = get(port_, "/v1/chat/completions");
  EXPECT_EQ(wrong_method.status, 405u);
  auto no_route = get(port_, "/v2/nothing");
  EXPECT_EQ(no_route.status, 404u);
}

TEST_F(janusd, a_container_failing_before_its_first_byte_is_reported_without_a_retry) {
  start(baseline_model("m", "    min_warm: 2\n    max_containers: 2\n"),
        "  max_retries: 2\n");
  // The baseline reads the request and closes the connection without answering: the model may
  // have acted on it, so it is not sent again, and the client gets 502.
  auto result = post_json(port_, "/v1/chat/completions",
                          chat("m", "fail", R"("janus_baseline":{"abort_after_tokens":0})"));
  EXPECT_EQ(result.status, 502u) << result.body;
  EXPECT_NE(result.body.find(R"("code":"upstream_error")"), std::string::npos) << result.body;
  // The pool is still whole and serves the next request.
  auto next = post_json(port_, "/v1/chat/completions", chat("m", "fine"));
  EXPECT_EQ(next.status, 200u);
}

TEST_F(janusd, a_stream_that_breaks_mid_way_ends_with_an_error_frame_and_done) {
  start(baseline_model("m", "    min_warm: 1\n"));
  auto result = post_json_streaming(
    port_, "/v1/chat/completions",
    chat("m", "break", R"("stream":true,"janus_baseline":{"tokens":10,"abort_after_tokens":3})"));
  ASSERT_EQ(result.status, 200u);
  auto data = sse_data_lines(result.body);
  ASSERT_GE(data.size(), 3u) << result.body;
  EXPECT_EQ(data.back(), "[DONE]");
  EXPECT_TRUE(data[data.size() - 2].starts_with(R"({"error":)")) << result.body;
}

// -- queueing ------------------------------------------------------------------------------

TEST_F(janusd, requests_beyond_capacity_queue_then_succeed_or_get_429) {
  // One container with two slots, two places in the queue: of six concurrent requests, two run,
  // two wait and then run, two are refused at once.
  start(baseline_model("m", "    min_warm: 1\n    max_containers: 1\n    max_concurrency: 2\n"
                            "    queue_limit: 2\n    queue_timeout: 20s\n"));
  auto body = chat("m", "busy", R"("janus_baseline":{"tokens":4,"token_delay_ms":100})");
  std::vector<std::future<http_result>> calls;
  for (int i = 0; i < 6; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      return post_json(port_, "/v1/chat/completions", body);
    }));
    std::this_thread::sleep_for(20ms);
  }
  std::map<unsigned, int> by_status;
  int queued = 0;
  for (auto& call : calls) {
    auto result = call.get();
    ++by_status[result.status];
    if (result.status == 429) {
      EXPECT_EQ(result.header("retry-after"), "1");
      EXPECT_NE(result.body.find(R"("code":"queue_full")"), std::string::npos) << result.body;
    }
    if (result.status == 200 && std::stoi(result.header("x-janus-queue-ms")) >= 200) {
      ++queued;
    }
  }
  EXPECT_EQ(by_status[200], 4);
  EXPECT_EQ(by_status[429], 2);
  EXPECT_EQ(queued, 2) << "two requests should have waited for a slot";
}

TEST_F(janusd, a_request_that_waits_past_queue_timeout_gets_429) {
  start(baseline_model("m", "    min_warm: 1\n    max_containers: 1\n    max_concurrency: 1\n"
                            "    queue_timeout: 300ms\n"));
  auto slow = std::async(std::launch::async, [&] {
    return post_json(port_, "/v1/chat/completions",
                     chat("m", "slow", R"("janus_baseline":{"tokens":10,"token_delay_ms":150})"));
  });
  std::this_thread::sleep_for(200ms);
  auto started = std::chrono::steady_clock::now();
  auto waiting = post_json(port_, "/v1/chat/completions", chat("m", "waits"));
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(waiting.status, 429u) << waiting.body;
  EXPECT_NE(waiting.body.find(R"("code":"queue_timeout")"), std::string::npos) << waiting.body;
  EXPECT_GE(waited, 250ms);
  EXPECT_EQ(slow.get().status, 200u);
}

TEST_F(janusd, a_pool_scales_up_on_demand_with_cold_starts) {
  start(baseline_model("m", "    min_warm: 0\n    max_containers: 2\n    max_concurrency: 1\n"));
  EXPECT_TRUE(model_processes().empty());
  auto first = post_json(port_, "/v1/chat/completions", chat("m", "wake up"));
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.header("x-janus-start"), "cold");
  EXPECT_EQ(model_processes().size(), 1u);
}

// -- faults --------------------------------------------------------------------------------

TEST_F(janusd, a_killed_model_process_is_replaced_and_the_pool_returns_to_min_warm) {
  start(baseline_model("m", "    min_warm: 2\n    max_containers: 3\n"));
  auto before = model_processes();
  ASSERT_EQ(before.size(), 2u);
  auto victim = *before.begin();
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  EXPECT_TRUE(eventually(10s, [&] {
    auto now = model_processes();
    return now.size() == 2 && !now.contains(victim)
           && metric("janus_pool_containers", R"(model="m",state="ready")") == 2.0;
  })) << "the pool did not return to two ready containers";
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("m", "still here")).status, 200u);
}

TEST_F(janusd, a_client_that_disconnects_mid_stream_frees_its_slot) {
  start(baseline_model("m", "    min_warm: 1\n    max_containers: 1\n    max_concurrency: 1\n"
                            "    queue_timeout: 2s\n"));
  stream_options hang_up;
  hang_up.close_after_frames = 2;
  auto cut = post_json_streaming(
    port_, "/v1/chat/completions",
    chat("m", "long", R"("stream":true,"janus_baseline":{"tokens":200,"token_delay_ms":50})"),
    hang_up);
  ASSERT_TRUE(cut.closed_by_client);
  EXPECT_TRUE(eventually(2s, [&] {
    return metric("janus_pool_inflight_requests", R"(model="m")") == 0.0;
  })) << "the slot stayed taken after the client left";
  // The only slot is free again: the next request is served without waiting.
  auto next = post_json(port_, "/v1/chat/completions", chat("m", "next"));
  EXPECT_EQ(next.status, 200u) << next.body;
  EXPECT_LT(std::stoi(next.header("x-janus-queue-ms")), 100);
}

TEST_F(janusd, a_container_that_fails_its_health_checks_is_replaced) {
  start(baseline_model("m", "    min_warm: 2\n    max_containers: 3\n"
                            "    health:\n      interval: 200ms\n      timeout: 200ms\n      threshold: 2\n"));
  auto before = model_processes();
  ASSERT_EQ(before.size(), 2u);
  auto sick = *before.begin();
  auto sick_port = environment_of(sick, "PORT");
  ASSERT_FALSE(sick_port.empty());
  auto toggled = post_json(static_cast<std::uint16_t>(std::stoi(sick_port)), "/_baseline/health",
                           R"({"healthy":false})");
  ASSERT_EQ(toggled.status, 200u) << toggled.body;
  EXPECT_TRUE(eventually(10s, [&] {
    auto now = model_processes();
    return !now.contains(sick) && now.size() == 2
           && metric("janus_pool_containers", R"(model="m",state="ready")") == 2.0;
  })) << "the unhealthy container was not replaced";
}

TEST_F(janusd, idle_containers_above_min_warm_are_reaped_after_idle_ttl) {
  // Demand-following pre-warm off: idle_ttl alone (with it, the demand peak keeps the container
  // for prewarm_window; docs/pool.md).
  start(baseline_model("m", "    min_warm: 0\n    max_containers: 2\n    idle_ttl: 500ms\n"
                            "    prewarm_window: 0s\n"));
  auto first = post_json(port_, "/v1/chat/completions", chat("m", "wake"));
  ASSERT_EQ(first.status, 200u);
  ASSERT_EQ(model_processes().size(), 1u);
  EXPECT_TRUE(eventually(5s, [&] { return model_processes().empty(); }))
    << "the idle container was not stopped";
  EXPECT_EQ(metric("janus_pool_containers", R"(model="m",state="ready")"), 0.0);
}

TEST_F(janusd, a_container_that_answers_too_slowly_gives_504) {
  start(baseline_model("m", "    min_warm: 1\n    max_containers: 1\n"),
        "  upstream_timeout: 300ms\n  max_retries: 0\n");
  auto started = std::chrono::steady_clock::now();
  auto result = post_json(port_, "/v1/chat/completions",
                          chat("m", "slow", R"("janus_baseline":{"tokens":5,"token_delay_ms":400})"));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(result.status, 504u) << result.body;
  EXPECT_NE(result.body.find(R"("code":"upstream_timeout")"), std::string::npos) << result.body;
  EXPECT_LT(took, 1500ms);
  // The slot is free again for the next request.
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("m", "quick")).status, 200u);
}

// -- shutdown ------------------------------------------------------------------------------

TEST_F(janusd, sigterm_lets_streams_finish_stops_every_child_and_exits_0) {
  start(baseline_model("m", "    min_warm: 2\n"));
  auto children = model_processes();
  ASSERT_EQ(children.size(), 2u);
  std::promise<void> streaming;
  stream_options watch;
  watch.on_frame = [&, signalled = false](const sse_frame&) mutable {
    if (!signalled) {
      signalled = true;
      streaming.set_value();
    }
  };
  auto stream = std::async(std::launch::async, [&] {
    return post_json_streaming(
      port_, "/v1/chat/completions",
      chat("m", "finish me", R"("stream":true,"janus_baseline":{"tokens":8,"token_delay_ms":100})"),
      watch);
  });
  ASSERT_EQ(streaming.get_future().wait_for(10s), std::future_status::ready);
  janusd_->signal(SIGTERM);
  auto result = stream.get();
  EXPECT_TRUE(result.complete) << result.error;
  EXPECT_EQ(sse_data_lines(result.body).back(), "[DONE]");
  auto status = janusd_->wait_for_exit(20s);
  ASSERT_TRUE(status.has_value()) << "janusd did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_wait_status(*status);
  for (auto pid : children) {
    EXPECT_FALSE(process_alive(pid)) << "model process " << pid << " outlived janusd";
  }
}

TEST_F(janusd, sigkill_of_janusd_leaves_no_child_behind) {
  start(baseline_model("m", "    min_warm: 3\n    max_containers: 3\n"));
  auto children = model_processes();
  ASSERT_EQ(children.size(), 3u);
  janusd_->signal(SIGKILL);
  ASSERT_TRUE(janusd_->wait_for_exit(5s).has_value());
  EXPECT_TRUE(eventually(5s, [&] {
    for (auto pid : children) {
      if (process_alive(pid)) {
        return false;
      }
    }
    return true;
  })) << "model processes outlived a crashed janusd";
}

TEST_F(janusd, raises_its_open_file_limit_and_gives_children_the_one_it_started_with) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max <= 512) {
    GTEST_SKIP() << "the hard limit on open files is too low to start janusd below it";
  }
  rlimit lowered = limit;
  lowered.rlim_cur = 512; // janusd inherits it, like the usual default of 1024 from a shell
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  start(baseline_model("m", "    min_warm: 1\n"));
  ::setrlimit(RLIMIT_NOFILE, &limit);

  auto hard = limit.rlim_max == RLIM_INFINITY ? UINT64_MAX : std::uint64_t{limit.rlim_max};
  EXPECT_EQ(soft_fd_limit_of(janusd_->pid()), hard);
  auto children = model_processes();
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(soft_fd_limit_of(*children.begin()), 512u);
}

TEST_F(janusd, ready_is_503_until_min_warm_is_reached) {
  start(baseline_model("m", "    min_warm: 1\n    startup_timeout: 20s\n",
                       "      JANUS_BASELINE_STARTUP_DELAY_MS: \"1500\"\n"),
        {}, false);
  ASSERT_TRUE(wait_for_http(port_, "/health", 10s));
  auto early = get(port_, "/ready");
  EXPECT_EQ(early.status, 503u) << early.body;
  EXPECT_TRUE(wait_for_http(port_, "/ready", 15s));
}

TEST_F(janusd, a_model_that_cannot_start_gets_503_with_the_reason) {
  std::string broken = "  broken:\n    command: [\"/nonexistent/model-server\"]\n    min_warm: 0\n";
  start(broken, {}, true);
  auto result = post_json(port_, "/v1/chat/completions", chat("broken", "hi"));
  EXPECT_EQ(result.status, 503u) << result.body;
  EXPECT_NE(result.body.find("/nonexistent/model-server"), std::string::npos) << result.body;
  EXPECT_FALSE(result.header("retry-after").empty());
}

TEST_F(janusd, a_model_whose_program_cannot_be_executed_gets_503_saying_why) {
  // An executable file that is no program: the exec in the child fails with ENOEXEC, which the
  // child reports through its pipe while janusd goes on (the report is read asynchronously).
  auto program = std::filesystem::temp_directory_path() / "janus-tests" / "not-a-program";
  std::filesystem::create_directories(program.parent_path());
  std::ofstream{program} << "this is text, not a program\n";
  std::filesystem::permissions(program, std::filesystem::perms::owner_all);
  start("  broken:\n    command: [\"" + program.string() + "\"]\n    min_warm: 0\n"
          + baseline_model("m", "    min_warm: 1\n"));

  auto result = post_json(port_, "/v1/chat/completions", chat("broken", "hi"));
  EXPECT_EQ(result.status, 503u) << result.body;
  EXPECT_NE(result.body.find("cannot execute " + program.string() + ": Exec format error"),
            std::string::npos)
    << result.body;
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("m", "hi")).status, 200u)
    << "the other model is served meanwhile";
}

} // namespace
} // namespace janus::test
