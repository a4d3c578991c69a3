// Fallback to a model's direct deployment (issue 13): a real janusd whose pool fails a request
// for a reason in fallback.when sends it to a real HTTP upstream on 127.0.0.1 (a second
// janus-baseline process, or a recording test upstream, plain or TLS), streamed like a
// container's answer; upstream-only models; the credentials that go and those that never do.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/integration/test_upstream.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <future>
#include <optional>
#include <string>
#include <thread>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* direct_key = "sk-direct-deployment-key";
constexpr const char* client_key = "sk-janus-client-key";

/// A janus-baseline on a free port: the model's "direct deployment". It answers only requests
/// that carry the fallback's own key, so a 200 proves janusd sent it (and not the client's).
struct direct_deployment {
  explicit direct_deployment(const std::filesystem::path& dir) : port(free_port()) {
    std::map<std::string, std::string> env{{"PORT", std::to_string(port)},
                                           {"HOST", "127.0.0.1"},
                                           {"JANUS_BASELINE_TOKENS", "4"},
                                           {"JANUS_BASELINE_CREATED", "1700000000"},
                                           {"JANUS_BASELINE_REQUIRE_AUTHORIZATION",
                                            std::string{"Bearer "} + direct_key}};
    process.emplace(std::vector<std::string>{bin_path("janus-baseline")}, env, dir / "direct.log");
    EXPECT_TRUE(wait_for_http(port, "/health", 10s)) << "the direct deployment did not come up";
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port) + "/v1/chat/completions";
  }

  /// Chat requests it has read so far.
  int chat_requests() const {
    auto stats = get(port, "/_baseline/stats");
    auto at = stats.body.find("\"chat_requests\":");
    return at == std::string::npos ? -1 : std::stoi(stats.body.substr(at + 16));
  }

  std::uint16_t port;
  std::optional<child_process> process;
};

std::string chat(const std::string& model, bool stream, const std::string& extra = {}) {
  std::string body = R"({"model":")" + model
                     + R"(","messages":[{"role":"user","content":"hello from the client"}])";
  if (stream) {
    body += R"(,"stream":true)";
  }
  if (!extra.empty()) {
    body += "," + extra;
  }
  return body + "}";
}

class fallback_test : public janusd_fixture {
protected:
  void SetUp() override {
    env_["JANUS_FALLBACK_TEST_KEY"] = direct_key;
    env_["JANUS_FALLBACK_TEST_CLIENT_KEYS"] = client_key;
    top_level_yaml_ = "auth:\n  api_keys_env: JANUS_FALLBACK_TEST_CLIENT_KEYS\n";
  }

  header_map client_auth() const {
    return {{"Authorization", std::string{"Bearer "} + client_key}};
  }

  /// A model `m` whose command fails at once (every start fails), with `fallback` lines.
  static std::string failing_model(const std::string& fallback_yaml) {
    return "  m:\n    command: [\"/bin/false\"]\n    min_warm: 0\n    max_containers: 1\n"
           + fallback_yaml;
  }

  static std::string fallback_to(const std::string& url, const std::string& when,
                                 const std::string& extra = {}) {
    return "    fallback:\n      url: \"" + url + "\"\n      when: " + when
           + "\n      api_key_env: JANUS_FALLBACK_TEST_KEY\n" + extra;
  }

  double fallback_starts(const std::string& model = "m") {
    return metric("janus_request_starts_total", "model=\"" + model + "\",kind=\"fallback\"")
      .value_or(-1);
  }

  std::optional<direct_deployment> direct_;
};

// -- a failed start ----------------------------------------------------------------------------

TEST_F(fallback_test, a_failed_start_falls_back_whole_and_streamed_with_the_model_rewritten) {
  direct_.emplace(test_dir());
  start(failing_model(fallback_to(direct_->url(), "[start_failed]", "      model: direct-model\n")));

  auto whole = post_json(port_, "/v1/chat/completions", chat("m", false), client_auth());
  EXPECT_EQ(whole.status, 200u) << whole.body;
  EXPECT_EQ(whole.header("x-janus-start"), "fallback");
  EXPECT_EQ(whole.header("x-janus-container"), "fallback");
  EXPECT_NE(whole.body.find(R"("model":"direct-model")"), std::string::npos)
    << "fallback.model rewrote the request's model: " << whole.body;
  EXPECT_NE(whole.body.find("hello from the"), std::string::npos) << whole.body;

  auto streamed = post_json_streaming(port_, "/v1/chat/completions", chat("m", true), {},
                                      client_auth());
  EXPECT_EQ(streamed.status, 200u) << streamed.body;
  EXPECT_EQ(streamed.header("x-janus-start"), "fallback");
  EXPECT_EQ(streamed.header("content-type").rfind("text/event-stream", 0), 0u);
  auto frames = sse_data_lines(streamed.body);
  ASSERT_GE(frames.size(), 3u) << streamed.body;
  EXPECT_EQ(frames.back(), "[DONE]");
  EXPECT_NE(frames.front().find("chat.completion.chunk"), std::string::npos) << frames.front();

  EXPECT_EQ(direct_->chat_requests(), 2);
  EXPECT_EQ(fallback_starts(), 2.0);
  EXPECT_TRUE(eventually(5s, [&] {
    return janusd_->log().find(R"("start":"fallback")") != std::string::npos
           || janusd_->log().find("start=fallback") != std::string::npos;
  })) << "the request log line names the start kind";
  EXPECT_TRUE(janusd_->log().find("start_failed") != std::string::npos) << "and the reason";
  EXPECT_EQ(janusd_->log().find(direct_key), std::string::npos) << "the key is never logged";
}

TEST_F(fallback_test, a_reason_not_in_when_keeps_the_error_of_today) {
  direct_.emplace(test_dir());
  start(failing_model(fallback_to(direct_->url(), "[queue_full, retries_failed]")));
  auto answer = post_json(port_, "/v1/chat/completions", chat("m", false), client_auth());
  EXPECT_EQ(answer.status, 503u) << answer.body;
  EXPECT_NE(answer.body.find(R"("code":"no_capacity")"), std::string::npos) << answer.body;
  EXPECT_EQ(answer.header("x-janus-start"), "");
  EXPECT_EQ(direct_->chat_requests(), 0);
}

TEST_F(fallback_test, a_fallback_that_is_down_gives_the_original_error_and_says_why_in_the_log) {
  auto closed = free_port();
  start(failing_model(fallback_to("http://127.0.0.1:" + std::to_string(closed) + "/v1/chat/completions",
                                  "[start_failed, no_capacity]")));
  auto started = std::chrono::steady_clock::now();
  auto answer = post_json(port_, "/v1/chat/completions", chat("m", false), client_auth());
  EXPECT_EQ(answer.status, 503u) << answer.body;
  EXPECT_NE(answer.body.find(R"("code":"no_capacity")"), std::string::npos) << answer.body;
  auto streamed = post_json_streaming(port_, "/v1/chat/completions", chat("m", true), {},
                                      client_auth());
  EXPECT_EQ(streamed.status, 503u) << streamed.body;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << "never a hang";
  EXPECT_TRUE(eventually(5s, [&] { return janusd_->log().find("fallback failed") != std::string::npos; }))
    << "the fallback's failure is in the log";
  EXPECT_NE(janusd_->log().find("cannot connect to http://127.0.0.1:" + std::to_string(closed)),
            std::string::npos);
}

// -- a busy pool -------------------------------------------------------------------------------

/// A model with one slot, whose answers take a while.
std::string one_slot_model(const std::string& pool_yaml) {
  return "  m:\n    command: [\"janus-baseline\"]\n    min_warm: 1\n    max_containers: 1\n"
         "    max_concurrency: 1\n" + pool_yaml;
}

TEST_F(fallback_test, a_full_queue_and_a_queue_timeout_fall_back_for_their_own_reasons) {
  direct_.emplace(test_dir());
  // The waiting stream gets its head and keep-alive comments before it falls back.
  start(one_slot_model("    queue_limit: 1\n    queue_timeout: 300ms\n"
                       + fallback_to(direct_->url(), "[queue_full, no_capacity]")),
        "  sse_keepalive: 100ms\n");
  // The one slot is busy for ~1.5 s; a second request waits in the queue (and times out), a
  // third finds the queue full.
  auto busy = std::async(std::launch::async, [&] {
    return post_json(port_, "/v1/chat/completions",
                     chat("m", false, R"("janus_baseline":{"tokens":3,"token_delay_ms":500})"),
                     client_auth());
  });
  ASSERT_TRUE(eventually(5s, [&] {
    return metric("janus_pool_inflight_requests", "model=\"m\"").value_or(0) == 1.0;
  }));
  auto queued = std::async(std::launch::async, [&] {
    return post_json_streaming(port_, "/v1/chat/completions", chat("m", true), {}, client_auth());
  });
  ASSERT_TRUE(eventually(5s, [&] {
    return metric("janus_pool_waiting_requests", "model=\"m\"").value_or(0) == 1.0;
  }));
  auto refused = post_json(port_, "/v1/chat/completions", chat("m", false), client_auth());
  EXPECT_EQ(refused.status, 200u) << refused.body;
  EXPECT_EQ(refused.header("x-janus-start"), "fallback") << "queue_full";

  auto waited = queued.get();
  EXPECT_EQ(waited.status, 200u) << waited.body;
  EXPECT_EQ(sse_data_lines(waited.body).back(), "[DONE]") << waited.body;
  EXPECT_NE(waited.body.find(": keep-alive"), std::string::npos) << waited.body;
  EXPECT_NE(waited.body.find(": x-janus-start: fallback"), std::string::npos)
    << "queue_timeout falls back as no_capacity, named in the stream's comment: " << waited.body;
  EXPECT_NE(waited.body.find("chat.completion.chunk"), std::string::npos) << waited.body;

  auto first = busy.get();
  EXPECT_EQ(first.status, 200u);
  EXPECT_NE(first.header("x-janus-start"), "fallback");
  EXPECT_EQ(direct_->chat_requests(), 2);
  EXPECT_EQ(fallback_starts(), 2.0);
}

// -- failed attempts ---------------------------------------------------------------------------

TEST_F(fallback_test, a_request_that_failed_on_its_container_falls_back_when_retries_failed) {
  test_upstream upstream;
  start(one_slot_model(fallback_to("http://127.0.0.1:" + std::to_string(upstream.port())
                                     + "/direct/v1/chat/completions",
                                   "[retries_failed]")));
  // The container closes the connection without an answer (after the request was written:
  // never re-sent to a container, but the fallback may answer it).
  auto answer = post_json(port_, "/v1/chat/completions",
                          chat("m", false, R"("janus_baseline":{"abort_after_tokens":0})"),
                          {{"Authorization", std::string{"Bearer "} + client_key},
                           {"x-request-id", "fallback-retries-1"}});
  EXPECT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(answer.header("x-janus-start"), "fallback");
  EXPECT_EQ(answer.body, R"({"ok":true})");
  auto seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/direct/v1/chat/completions");
  EXPECT_EQ(seen[0].headers["authorization"], std::string{"Bearer "} + direct_key);
  EXPECT_EQ(seen[0].raw.find(client_key), std::string::npos) << "the client's key never goes";
  EXPECT_EQ(seen[0].headers["x-request-id"], "fallback-retries-1");
  EXPECT_EQ(seen[0].headers["content-type"], "application/json");
  EXPECT_FALSE(seen[0].headers["traceparent"].empty());
  EXPECT_EQ(seen[0].headers["host"], "127.0.0.1:" + std::to_string(upstream.port()));
  EXPECT_EQ(seen[0].body, chat("m", false, R"("janus_baseline":{"abort_after_tokens":0})"))
    << "the client's body as is";
}

// -- upstream-only models ----------------------------------------------------------------------

TEST_F(fallback_test, an_upstream_only_model_has_no_containers_and_serves_every_request) {
  direct_.emplace(test_dir());
  top_level_yaml_ += "admin:\n  token: \"fallback-test-admin-token-0123456789\"\n";
  start("  direct:\n    upstream: \"" + direct_->url() + "\"\n"
        "    fallback:\n      api_key_env: JANUS_FALLBACK_TEST_KEY\n      max_connections: 4\n");
  auto models = get(port_, "/v1/models", client_auth());
  EXPECT_NE(models.body.find(R"("id":"direct")"), std::string::npos) << models.body;
  auto pools = get(port_, "/admin/pools",
                   {{"Authorization", "Bearer fallback-test-admin-token-0123456789"}});
  EXPECT_EQ(pools.status, 200u) << pools.body;
  EXPECT_NE(pools.body.find(R"("direct")"), std::string::npos) << pools.body;
  EXPECT_NE(pools.body.find(R"("max_containers":0)"), std::string::npos) << pools.body;

  for (bool stream : {false, true}) {
    auto answer = post_json_streaming(port_, "/v1/chat/completions", chat("direct", stream), {},
                                      client_auth());
    EXPECT_EQ(answer.status, 200u) << answer.body;
    EXPECT_EQ(answer.header("x-janus-start"), "fallback");
    if (stream) {
      EXPECT_EQ(sse_data_lines(answer.body).back(), "[DONE]");
    } else {
      EXPECT_NE(answer.body.find(R"("model":"direct")"), std::string::npos) << answer.body;
    }
  }
  EXPECT_TRUE(model_processes().empty()) << "no container was started";
  EXPECT_EQ(fallback_starts("direct"), 2.0);

  // The upstream goes away: its own error (no pool stands behind it), at once.
  direct_.reset();
  auto gone = post_json(port_, "/v1/chat/completions", chat("direct", false), client_auth());
  EXPECT_EQ(gone.status, 502u) << gone.body;
  EXPECT_NE(gone.body.find("cannot connect"), std::string::npos) << gone.body;
}

TEST_F(fallback_test, an_https_upstream_is_verified_with_the_ca_file_and_gets_sni) {
  auto certs = test_dir();
  auto good = make_test_certificate(certs, "good");
  auto other = make_test_certificate(certs, "other");
  test_upstream upstream{good.cert, good.key};
  auto url = "https://localhost:" + std::to_string(upstream.port()) + "/v1/chat/completions";
  start("  trusted:\n    upstream: \"" + url + "\"\n    fallback:\n"
        "      api_key_env: JANUS_FALLBACK_TEST_KEY\n      ca_file: \"" + good.cert.string() + "\"\n"
        "  untrusted:\n    upstream: \"" + url + "\"\n    fallback:\n"
        "      ca_file: \"" + other.cert.string() + "\"\n");
  auto answer = post_json(port_, "/v1/chat/completions", chat("trusted", false), client_auth());
  EXPECT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(answer.header("x-janus-start"), "fallback");
  auto seen = upstream.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].server_name, "localhost");
  EXPECT_EQ(seen[0].headers["authorization"], std::string{"Bearer "} + direct_key);
  EXPECT_EQ(seen[0].raw.find(client_key), std::string::npos);

  auto refused = post_json(port_, "/v1/chat/completions", chat("untrusted", false), client_auth());
  EXPECT_EQ(refused.status, 502u) << refused.body;
  EXPECT_NE(refused.body.find("certificate not verified"), std::string::npos) << refused.body;
  EXPECT_EQ(upstream.requests().size(), 1u) << "nothing was sent to an unverified peer";
}

} // namespace
} // namespace janus::test
