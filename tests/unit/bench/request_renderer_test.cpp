#include "apps/janus-bench/request_renderer.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace janus::bench {
namespace {

bench_options options_of(std::vector<const char*> args) {
  args.insert(args.begin(), "janus-bench");
  return std::get<bench_options>(parse_command_line(static_cast<int>(args.size()), args.data()));
}

TEST(bench_request_renderer, the_body_has_model_prompt_and_stream) {
  auto body = render_body(options_of({"-p", "say \"hi\""}), "m1");
  EXPECT_EQ(body, R"({"model":"m1","messages":[{"role":"user","content":"say \"hi\""}],)"
                  R"("stream":false})");
}

TEST(bench_request_renderer, a_stream_asks_for_usage_in_its_last_chunk_unless_told_not_to) {
  EXPECT_EQ(render_body(options_of({"-s", "-p", "x"}), "m"),
            R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":true,)"
            R"("stream_options":{"include_usage":true}})");
  auto without = render_body(options_of({"-s", "--no-stream-usage"}), "m");
  EXPECT_EQ(without.find("stream_options"), std::string::npos) << without;
  auto overridden
    = render_body(options_of({"-s", "-b", R"({"stream_options":{"include_usage":false}})"}), "m");
  EXPECT_NE(overridden.find(R"("stream_options":{"include_usage":false})"), std::string::npos)
    << overridden;
}

TEST(bench_request_renderer, max_tokens_goes_to_the_baseline_override_when_asked) {
  auto plain = render_body(options_of({"--max-tokens", "5"}), "m");
  EXPECT_NE(plain.find(R"("max_tokens":5)"), std::string::npos);
  EXPECT_EQ(plain.find("janus_baseline"), std::string::npos);
  auto both = render_body(options_of({"--max-tokens", "5", "--baseline-tokens", "-s"}), "m");
  EXPECT_NE(both.find(R"("janus_baseline":{"tokens":5})"), std::string::npos) << both;
  EXPECT_NE(both.find(R"("stream":true)"), std::string::npos);
}

TEST(bench_request_renderer, body_extra_objects_merge_key_by_key_and_later_ones_win) {
  auto body = render_body(options_of({"--max-tokens", "5", "--baseline-tokens", "-b",
                                      R"({"janus_baseline":{"token_delay_ms":20},"temperature":0})",
                                      "-b", R"({"temperature":0.5,"stream":true})"}),
                          "m");
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.c_str());
  ASSERT_FALSE(doc.HasParseError()) << body;
  EXPECT_EQ(doc["janus_baseline"]["tokens"].GetInt(), 5);
  EXPECT_EQ(doc["janus_baseline"]["token_delay_ms"].GetInt(), 20);
  EXPECT_DOUBLE_EQ(doc["temperature"].GetDouble(), 0.5);
  EXPECT_TRUE(doc["stream"].GetBool());
}

TEST(bench_request_renderer, the_request_has_the_header_fields_and_a_matching_length) {
  auto options = options_of({"-s", "-H", "Authorization: Bearer x", "http://127.0.0.1:8000/v1"});
  auto request = render_request(options, "m");
  auto split = request.find("\r\n\r\n");
  ASSERT_NE(split, std::string::npos);
  auto head = request.substr(0, split + 2);
  auto body = request.substr(split + 4);
  EXPECT_TRUE(head.starts_with("POST /v1/chat/completions HTTP/1.1\r\n")) << head;
  EXPECT_NE(head.find("Host: 127.0.0.1:8000\r\n"), std::string::npos);
  EXPECT_NE(head.find("Accept: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(head.find("Authorization: Bearer x\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos);
  EXPECT_EQ(body, render_body(options, "m"));
}

TEST(bench_request_renderer, a_header_flag_replaces_a_default_of_the_same_name) {
  auto request = render_request(options_of({"-H", "host: example.test", "-H", "user-agent: me"}),
                                "m");
  EXPECT_EQ(request.find("Host: 127.0.0.1"), std::string::npos);
  EXPECT_NE(request.find("Host: example.test\r\n"), std::string::npos);
  EXPECT_NE(request.find("User-Agent: me\r\n"), std::string::npos);
}

TEST(bench_request_renderer, one_request_per_model_in_order) {
  auto requests = render_requests(options_of({"-m", "a=2", "-m", "b"}));
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].find(R"("model":"a")"), std::string::npos);
  EXPECT_NE(requests[1].find(R"("model":"b")"), std::string::npos);
}

} // namespace
} // namespace janus::bench
