// janusd with the process runtime: each child gets its own platform endpoint, opened before it
// starts and closed when it is gone; an agent-mode baseline answers through it.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

class platform_janusd : public janusd_fixture {
protected:
  /// The one model process janusd runs now (waits for it).
  pid_t the_model_process() {
    std::set<pid_t> children;
    EXPECT_TRUE(eventually(10s, [&] {
      children = model_processes();
      return children.size() == 1;
    }));
    return children.empty() ? -1 : *children.begin();
  }

  bool log_has(const std::string& text, std::chrono::milliseconds timeout = 5s) {
    return eventually(timeout, [&] { return janusd_->log().find(text) != std::string::npos; });
  }
};

std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

TEST_F(platform_janusd, a_model_that_calls_its_platform_endpoint_in_its_first_millisecond_becomes_ready) {
  start("  m:\n    command: [janus-baseline]\n    min_warm: 1\n    max_containers: 1\n"
        "    startup_timeout: 10s\n"
        "    env: {JANUS_BASELINE_PLATFORM_PROBE_AT_START: \"1\"}\n");
  EXPECT_TRUE(log_has("janus-baseline: platform probe at start: ok"));
  EXPECT_EQ(janusd_->log().find("platform probe at start: cannot"), std::string::npos);
}

TEST_F(platform_janusd, each_child_gets_its_own_endpoint_and_token_and_the_endpoint_closes_when_the_child_is_gone) {
  start("  m:\n    command: [janus-baseline]\n    min_warm: 1\n    max_containers: 1\n");
  auto pid = the_model_process();
  ASSERT_GT(pid, 0);
  auto url = environment_of(pid, "JANUS_PLATFORM_URL");
  auto token = environment_of(pid, "JANUS_LLM_API_KEY");
  ASSERT_TRUE(url.starts_with("http://127.0.0.1:")) << url;
  EXPECT_EQ(environment_of(pid, "JANUS_SEARCH_URL"), url + "/search");
  EXPECT_EQ(environment_of(pid, "JANUS_MEMORY_URL"), url + "/memory");
  EXPECT_EQ(token.size(), 64u);
  auto port = port_of(url);
  auto identity = get(port, "/health", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(identity.status, 200u);
  EXPECT_NE(identity.body.find("\"model\":\"m\""), std::string::npos) << identity.body;
  ::kill(pid, SIGKILL);
  EXPECT_TRUE(eventually(10s, [&] {
    try {
      get(port, "/health", {{"Authorization", "Bearer " + token}});
      return false;
    } catch (const std::system_error&) {
      return true;
    }
  })) << "the endpoint of a dead child still accepts connections";
  // The replacement gets an endpoint and token of its own.
  std::set<pid_t> now;
  ASSERT_TRUE(eventually(15s, [&] {
    now = model_processes();
    return now.size() == 1 && *now.begin() != pid;
  }));
  auto next = *now.begin();
  EXPECT_NE(environment_of(next, "JANUS_LLM_API_KEY"), token);
}

TEST_F(platform_janusd, an_agent_model_answers_a_stream_through_its_endpoint_and_the_call_is_logged_with_the_request_id) {
  auto llm_port = free_port();
  child_process llm{{bin_path("janus-baseline")},
                    {{"PORT", std::to_string(llm_port)},
                     {"HOST", "127.0.0.1"},
                     {"JANUS_BASELINE_TOKENS", "4"},
                     {"JANUS_BASELINE_TOKEN_DELAY_MS", "50"},
                     {"JANUS_BASELINE_MODEL", "platform-llm"}},
                    std::filesystem::temp_directory_path() / "janus-tests" / "platform-llm.log"};
  ASSERT_TRUE(wait_for_http(llm_port, "/health", 10s));
  env_["JANUS_TEST_LLM_KEY"] = "real-llm-key";
  top_level_yaml_ = "platform:\n  routes:\n    /v1/chat/completions:\n      upstream: http://127.0.0.1:"
                    + std::to_string(llm_port)
                    + "/v1/chat/completions\n      headers:\n        Authorization: {env: "
                      "JANUS_TEST_LLM_KEY, prefix: \"Bearer \"}\n";
  start("  agent:\n    command: [janus-baseline]\n    min_warm: 1\n    max_containers: 1\n"
        "    env: {JANUS_BASELINE_MODE: agent}\n");
  auto streamed = post_json_streaming(
    port_, "/v1/chat/completions",
    R"({"model":"agent","stream":true,"messages":[{"role":"user","content":"one two three four"}]})",
    {}, {{"x-request-id", "e2e-req-1"}});
  ASSERT_EQ(streamed.status, 200u) << streamed.body;
  EXPECT_TRUE(streamed.complete) << streamed.error;
  auto data = sse_data_lines(streamed.body);
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(data.back(), "[DONE]");
  EXPECT_NE(streamed.body.find("\"model\":\"platform-llm\""), std::string::npos)
    << "the answer did not come from the platform LLM: " << streamed.body;
  ASSERT_GE(streamed.frames.size(), 5u);
  EXPECT_GE(streamed.frames.back().at - streamed.frames.front().at, 100ms)
    << "the stream arrived at once";
  EXPECT_TRUE(log_has("platform call"));
  auto log = janusd_->log();
  auto line_start = log.find("platform call");
  ASSERT_NE(line_start, std::string::npos);
  auto line = log.substr(line_start, log.find('\n', line_start) - line_start);
  EXPECT_NE(line.find("request_id=e2e-req-1"), std::string::npos) << line;
  EXPECT_NE(line.find("model=agent"), std::string::npos) << line;
  EXPECT_NE(line.find("status=200"), std::string::npos) << line;
  EXPECT_EQ(metric("janus_platform_requests_total",
                   R"(model="agent",route="/v1/chat/completions",code="200")"),
            1.0);
  auto pid = the_model_process();
  EXPECT_NE(environment_of(pid, "JANUS_LLM_API_KEY"), "real-llm-key");
}

} // namespace
} // namespace janus::test
