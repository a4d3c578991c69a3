#include "model/openai.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>

namespace janus {
namespace {

/// The default of server.max_json_depth.
constexpr int default_depth = 128;

result<chat_request_info> inspect(std::string_view body, int max_depth = default_depth) {
  return inspect_chat_request(body, max_depth);
}

TEST(openai, a_minimal_request_is_accepted) {
  auto info = inspect(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info.value().model, "m");
  EXPECT_FALSE(info.value().stream);
}

TEST(openai, stream_true_is_seen_wherever_it_stands) {
  auto info = inspect(
    R"({"stream":true,"messages":[{"role":"user","content":"hi","stream":false}],"model":"m"})");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info.value().stream);
}

TEST(openai, nested_model_keys_do_not_count_as_the_model) {
  auto info = inspect(
    R"({"messages":[{"role":"user","content":"x","model":"nested"}],"metadata":{"model":"no"}})");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message, "`model` is required and must be a string");
  EXPECT_EQ(error_param(info.error().message), "model");
}

TEST(openai, stream_null_means_not_streaming) {
  auto info = inspect(R"({"model":"m","messages":[{}],"stream":null})");
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info.value().stream);
}

TEST(openai, invalid_json_names_the_offset) {
  auto info = inspect(R"({"model":"m",)");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, errc::invalid_request);
  EXPECT_NE(info.error().message.find("not valid JSON"), std::string::npos);
  EXPECT_NE(info.error().message.find("at byte"), std::string::npos);
  EXPECT_EQ(error_param(info.error().message), "");
}

TEST(openai, trailing_garbage_is_invalid_json) {
  auto info = inspect(R"({"model":"m","messages":[{}]} x)");
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("after the document"), std::string::npos);
  EXPECT_TRUE(inspect("{\"model\":\"m\",\"messages\":[{}]}\r\n ").ok());
}

TEST(openai, each_wrong_field_is_named) {
  struct sample {
    const char* body;
    const char* param;
  };
  sample samples[] = {
    {R"({"model":5,"messages":[{}]})", "model"},
    {R"({"model":"","messages":[{}]})", "model"},
    {R"({"model":"m","messages":{}})", "messages"},
    {R"({"model":"m","messages":"hi"})", "messages"},
    {R"({"model":"m","messages":[]})", "messages"},
    {R"({"model":"m"})", "messages"},
    {R"({"model":"m","messages":[{}],"stream":"yes"})", "stream"},
    {R"({"model":"m","messages":[{}],"stream":1})", "stream"},
  };
  for (const auto& s : samples) {
    auto info = inspect(s.body);
    ASSERT_FALSE(info.ok()) << s.body;
    EXPECT_EQ(error_param(info.error().message), s.param) << s.body << ": " << info.error().message;
  }
}

TEST(openai, a_body_that_is_not_an_object_is_refused) {
  for (const char* body : {"[]", "\"text\"", "42", "", "null"}) {
    auto info = inspect(body);
    ASSERT_FALSE(info.ok()) << body;
    EXPECT_EQ(info.error().code, errc::invalid_request);
  }
}

TEST(openai, error_body_has_openais_shape_and_escapes_text) {
  auto body = openai_error_body("bad \"quote\"\n", "invalid_request_error", "", "queue_full");
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.c_str());
  ASSERT_FALSE(doc.HasParseError()) << body;
  const auto& error = doc["error"];
  EXPECT_STREQ(error["message"].GetString(), "bad \"quote\"\n");
  EXPECT_STREQ(error["type"].GetString(), "invalid_request_error");
  EXPECT_TRUE(error["param"].IsNull());
  EXPECT_STREQ(error["code"].GetString(), "queue_full");
}

/// A valid request whose deepest value sits `depth` levels down (the body's object is level 1):
/// its `x` member holds depth - 1 nested arrays.
std::string nested_request(int depth) {
  return R"({"model":"m","messages":[{}],"x":)" + std::string(depth - 1, '[')
         + std::string(depth - 1, ']') + "}";
}

TEST(openai_limits, a_body_nested_exactly_to_the_limit_is_accepted_and_one_level_more_is_refused) {
  for (int limit : {3, 8, default_depth}) {
    auto at_limit = inspect(nested_request(limit), limit);
    EXPECT_TRUE(at_limit.ok()) << limit << ": " << at_limit.error().message;
    auto past = inspect(nested_request(limit + 1), limit);
    ASSERT_FALSE(past.ok()) << limit;
    EXPECT_EQ(past.error().code, errc::invalid_request);
    EXPECT_EQ(past.error().message,
              "the request body nests objects and arrays deeper than server.max_json_depth ("
                + std::to_string(limit) + " levels)");
    EXPECT_EQ(error_param(past.error().message), "");
  }
  // Objects count as arrays do, wherever they stand.
  EXPECT_FALSE(inspect(R"({"model":"m","messages":[{"a":{"b":{}}}]})", 4).ok());
  EXPECT_TRUE(inspect(R"({"model":"m","messages":[{"a":{}}]})", 4).ok());
}

TEST(openai_limits, strings_and_nesting_past_the_readers_first_kilobyte_are_read_whole) {
  // The reader's stack starts in a 1 KiB buffer and grows onto the heap: a message of 1 MiB, a
  // long model name and nesting to the limit all still parse, and the model is read whole.
  std::string model(3000, 'm');
  std::string body = R"({"messages":[{"role":"user","content":")" + std::string(1 << 20, 'x')
                     + R"("}],"extra":)" + std::string(120, '[') + std::string(120, ']')
                     + R"(,"model":")" + model + R"(","stream":true})";
  auto info = inspect(body);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info.value().model, model);
  EXPECT_TRUE(info.value().stream);
  EXPECT_EQ(body.substr(info.value().model_offset, info.value().model_length),
            "\"" + model + "\"");
}

TEST(openai_limits, a_hundred_thousand_nested_arrays_are_refused_without_recursion) {
  // The body that overflowed the stack of the recursive parser: 200 KB, under max_body_bytes.
  auto killer = R"({"model":"m","messages":[],"x":)" + std::string(100000, '[')
                + std::string(100000, ']') + "}";
  auto info = inspect(killer);
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("server.max_json_depth (128 levels)"), std::string::npos)
    << info.error().message;
  // Unclosed, too: the parse stops at the limit, not at the end.
  auto unclosed = inspect(R"({"model":"m","x":)" + std::string(1 << 20, '['));
  ASSERT_FALSE(unclosed.ok());
  EXPECT_NE(unclosed.error().message.find("server.max_json_depth"), std::string::npos);
}

TEST(openai_limits, a_routing_key_given_twice_is_refused_and_named) {
  struct sample {
    const char* body;
    const char* key;
  };
  sample samples[] = {
    {R"({"model":"a","messages":[{}],"model":"b"})", "model"},
    {R"({"model":"a","model":"a","messages":[{}]})", "model"},
    {R"({"model":"a","messages":[{}],"stream":true,"stream":false})", "stream"},
    {R"({"model":"a","messages":[{}],"messages":[{}]})", "messages"},
  };
  for (const auto& s : samples) {
    auto info = inspect(s.body);
    ASSERT_FALSE(info.ok()) << s.body;
    EXPECT_EQ(info.error().message, std::string{"`"} + s.key + "` is given more than once");
    EXPECT_EQ(error_param(info.error().message), s.key);
  }
  // Other keys, and routing keys below the top level, may repeat: janusd does not route on them.
  EXPECT_TRUE(inspect(R"({"model":"a","messages":[{"model":1,"model":2}],"n":1,"n":2})").ok());
}

TEST(openai_limits, bytes_that_are_not_utf8_are_refused) {
  for (std::string body : {std::string{"{\"model\":\"m\xff\",\"messages\":[{}]}"},
                           std::string{"{\"model\":\"m\",\"messages\":[{\"content\":\"\xc3\"}]}"},
                           std::string{"{\"model\":\"m\",\"messages\":[{}],\"\xed\xa0\x80\":1}"}}) {
    auto info = inspect(body);
    ASSERT_FALSE(info.ok()) << body;
    EXPECT_EQ(info.error().message.rfind("the request body is not valid UTF-8 (at byte ", 0), 0u)
      << info.error().message;
  }
  auto accented = inspect("{\"model\":\"mod\xc3\xa8le\",\"messages\":[{}]}");
  ASSERT_TRUE(accented.ok()) << accented.error().message;
  EXPECT_EQ(accented.value().model, "mod\xc3\xa8le");
}

TEST(openai_limits, a_model_escaping_a_lone_surrogate_is_refused_and_a_pair_is_decoded) {
  auto lone = inspect(R"({"model":"m\udc00","messages":[{}]})");
  ASSERT_FALSE(lone.ok());
  EXPECT_EQ(error_param(lone.error().message), "model");
  auto pair = inspect(R"({"model":"m\ud83d\ude00","messages":[{}]})");
  ASSERT_TRUE(pair.ok()) << pair.error().message;
  EXPECT_EQ(pair.value().model, "m\xf0\x9f\x98\x80");
}

TEST(openai_limits, the_unknown_model_answer_is_valid_json_whatever_the_name_holds) {
  auto info = inspect(R"({"model":"a\"b\u0000c\n<\u00e9>","messages":[{}]})");
  ASSERT_TRUE(info.ok()) << info.error().message;
  auto body = openai_error_body("the model `" + info.value().model + "` does not exist",
                                "invalid_request_error", "", "model_not_found");
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  ASSERT_FALSE(doc.HasParseError()) << body;
  EXPECT_EQ(std::string(doc["error"]["message"].GetString(),
                        doc["error"]["message"].GetStringLength()),
            "the model `" + info.value().model + "` does not exist");
}

} // namespace
} // namespace janus
