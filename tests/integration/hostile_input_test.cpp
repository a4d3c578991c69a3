// Starts the real janusd with real janus-baseline processes and sends what a hostile client
// would: bodies nested far past server.max_json_depth, routing keys given twice, bytes that are
// not UTF-8, deep admin bodies. Each gets a 400 naming what is wrong, and janusd keeps serving
// the streams in flight.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <future>
#include <sstream>
#include <string>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* admin_token = "hostile-input-admin-token";

std::string baseline_model(const std::string& name, const std::string& settings) {
  return "  " + name + ":\n    command: [\"janus-baseline\"]\n" + settings;
}

/// `{"model":"m","messages":[],"x":` and `levels` nested arrays: 2 bytes a level.
std::string nested_body(int levels, const std::string& messages = "[]") {
  return R"({"model":"m","messages":)" + messages + R"(,"x":)"
         + std::string(static_cast<std::size_t>(levels), '[')
         + std::string(static_cast<std::size_t>(levels), ']') + "}";
}

/// The `error` object of an OpenAI error body, parsed with UTF-8 validation (fails the test when
/// the body is not valid JSON or not valid UTF-8).
rapidjson::Document error_of(const http_result& answer) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(answer.body.data(), answer.body.size());
  EXPECT_FALSE(doc.HasParseError()) << "not valid JSON or not UTF-8: " << answer.body;
  EXPECT_TRUE(!doc.HasParseError() && doc.IsObject() && doc.HasMember("error")) << answer.body;
  return doc;
}

std::string text_member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject() || !object.HasMember(name) || !object[name].IsString()) {
    return "<none>";
  }
  return {object[name].GetString(), object[name].GetStringLength()};
}

class hostile_input : public janusd_fixture {
protected:
  void start_janusd(const std::string& server_yaml = {}) {
    top_level_yaml_ = std::string{"admin:\n  token: \""} + admin_token + "\"\n";
    log_yaml_ = "  level: debug\n  format: json\n";
    start(baseline_model("m", "    min_warm: 1\n"), server_yaml);
  }

  http_result chat(std::string_view body) {
    return post_json(port_, "/v1/chat/completions", body);
  }

  http_result admin_post(std::string_view target, std::string_view body) {
    http_client client{port_};
    return client.request("POST", target, body,
                          {{"Authorization", std::string{"Bearer "} + admin_token},
                           {"Content-Type", "application/json"}});
  }
};

TEST_F(hostile_input,
       a_body_of_a_hundred_thousand_nested_arrays_gets_400_naming_the_limit_while_a_stream_completes) {
  start_janusd();
  // A stream in flight: 20 tokens, 50 ms apart.
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
      R"({"model":"m","stream":true,"messages":[{"role":"user","content":"keep going"}],)"
      R"("janus_baseline":{"tokens":20,"token_delay_ms":50}})",
      watch);
  });
  ASSERT_EQ(streaming.get_future().wait_for(10s), std::future_status::ready);

  const auto killer = nested_body(100000);
  ASSERT_EQ(killer.size(), 200032u) << "200 KB, well under max_body_bytes";
  const auto answer = chat(killer);
  EXPECT_EQ(answer.status, 400u) << answer.body;
  const auto doc = error_of(answer);
  if (doc.IsObject() && doc.HasMember("error")) {
    const auto& error = doc["error"];
    EXPECT_EQ(text_member(error, "message"),
              "the request body nests objects and arrays deeper than server.max_json_depth "
              "(128 levels)");
    EXPECT_EQ(text_member(error, "code"), "invalid_request");
    EXPECT_TRUE(error["param"].IsNull());
  }

  const auto result = stream.get();
  EXPECT_EQ(result.status, 200u);
  EXPECT_TRUE(result.complete) << result.error;
  const auto data = sse_data_lines(result.body);
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(data.back(), "[DONE]");
  for (const auto& line : data) {
    EXPECT_EQ(line.find("\"error\""), std::string::npos) << line;
  }
  EXPECT_EQ(get(port_, "/health").status, 200u) << "janusd survived";
  EXPECT_TRUE(process_alive(janusd_->pid()));
}

TEST_F(hostile_input, a_configured_max_json_depth_is_the_limit_a_body_may_reach_and_not_pass) {
  start_janusd("  max_json_depth: 8\n");
  // The body's object, messages, a message: 3 levels; x adds the rest.
  const std::string message = R"([{"role":"user","content":"hi"}])";
  auto at_limit = R"({"model":"m","messages":)" + message + R"(,"x":)" + std::string(7, '[')
                  + std::string(7, ']') + "}";
  EXPECT_EQ(chat(at_limit).status, 200u);
  auto past = chat(nested_body(8, message));
  EXPECT_EQ(past.status, 400u);
  EXPECT_EQ(text_member(error_of(past)["error"], "message"),
            "the request body nests objects and arrays deeper than server.max_json_depth "
            "(8 levels)");
}

TEST_F(hostile_input, a_routing_key_given_twice_is_a_400_naming_the_key) {
  start_janusd();
  for (const char* key : {"model", "stream", "messages"}) {
    std::string body = R"({"model":"m","stream":false,"messages":[{"role":"user","content":"x"}],")"
                       + std::string{key} + R"(":)"
                       + (std::string{key} == "model"    ? R"("other")"
                          : std::string{key} == "stream" ? "true"
                                                         : "[{}]")
                       + "}";
    auto answer = chat(body);
    EXPECT_EQ(answer.status, 400u) << body;
    auto doc = error_of(answer);
    EXPECT_EQ(text_member(doc["error"], "message"), "`" + std::string{key} + "` is given more than once");
    EXPECT_EQ(text_member(doc["error"], "param"), key);
  }
}

TEST_F(hostile_input, bytes_that_are_not_utf8_get_400_and_an_odd_unknown_model_an_escaped_404) {
  start_janusd();
  auto invalid = chat("{\"model\":\"m\xff\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
  EXPECT_EQ(invalid.status, 400u);
  EXPECT_EQ(text_member(error_of(invalid)["error"], "message").rfind(
              "the request body is not valid UTF-8 (at byte ", 0),
            0u);
  auto surrogate = chat(R"({"model":"m\udc00","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(surrogate.status, 400u);
  EXPECT_EQ(text_member(error_of(surrogate)["error"], "param"), "model");

  // An unknown model whose name holds quotes, a control character and an accent: the 404 echoes
  // it as valid, escaped JSON, and so does the log line.
  http_client client{port_};
  auto unknown = client.post_json(
    "/v1/chat/completions",
    R"({"model":"no\"such\u0001mod\u00e8le","messages":[{"role":"user","content":"x"}]})",
    {{"x-request-id", "odd-model-name"}});
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(text_member(error_of(unknown)["error"], "message"),
            "the model `no\"such\x01mod\xc3\xa8le` does not exist");
  std::string line;
  ASSERT_TRUE(eventually(5s, [&] {
    std::istringstream log{janusd_->log()};
    for (std::string candidate; std::getline(log, candidate);) {
      if (candidate.find("odd-model-name") != std::string::npos) {
        line = candidate;
        return true;
      }
    }
    return false;
  })) << "no log line for the request";
  rapidjson::Document logged;
  logged.Parse<rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
  ASSERT_FALSE(logged.HasParseError()) << line;
  EXPECT_EQ(text_member(logged, "model").rfind("no\"such", 0), 0u) << line;
}

TEST_F(hostile_input, admin_bodies_nested_past_the_limit_get_400_naming_it) {
  start_janusd();
  auto scale = admin_post("/admin/pools/m/scale",
                          R"({"min_warm":)" + std::string(100000, '[') + std::string(100000, ']')
                            + "}");
  EXPECT_EQ(scale.status, 400u);
  EXPECT_EQ(text_member(error_of(scale)["error"], "message"),
            "body: nested deeper than server.max_json_depth (128 levels)");

  std::string deep_yaml = "name: deep\ncommand: [janus-baseline]\nenv:\n";
  for (int level = 1; level <= 200; ++level) {
    deep_yaml += std::string(static_cast<std::size_t>(2 * level), ' ') + "k:\n";
  }
  auto added = admin_post("/admin/models", deep_yaml);
  EXPECT_EQ(added.status, 400u);
  EXPECT_EQ(text_member(error_of(added)["error"], "message"),
            "body: nested deeper than server.max_json_depth (128 levels) at line 131, column 257");

  auto flow = admin_post("/admin/models", R"({"name":"deep","command":)"
                                            + std::string(100000, '[')
                                            + std::string(100000, ']') + "}");
  EXPECT_EQ(flow.status, 400u);
  EXPECT_EQ(text_member(error_of(flow)["error"], "message").rfind(
              "body: nested deeper than server.max_json_depth (128 levels) at line 1, column ", 0),
            0u);
  EXPECT_EQ(chat(R"({"model":"m","messages":[{"role":"user","content":"still here"}]})").status,
            200u);
}

} // namespace
} // namespace janus::test
