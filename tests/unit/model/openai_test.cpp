#include "model/openai.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>

namespace janus {
namespace {

TEST(openai, a_minimal_request_is_accepted) {
  auto info = inspect_chat_request(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info.value().model, "m");
  EXPECT_FALSE(info.value().stream);
}

TEST(openai, stream_true_is_seen_wherever_it_stands) {
  auto info = inspect_chat_request(
    R"({"stream":true,"messages":[{"role":"user","content":"hi","stream":false}],"model":"m"})");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info.value().stream);
}

TEST(openai, nested_model_keys_do_not_count_as_the_model) {
  auto info = inspect_chat_request(
    R"({"messages":[{"role":"user","content":"x","model":"nested"}],"metadata":{"model":"no"}})");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message, "`model` is required and must be a string");
  EXPECT_EQ(error_param(info.error().message), "model");
}

TEST(openai, stream_null_means_not_streaming) {
  auto info = inspect_chat_request(R"({"model":"m","messages":[{}],"stream":null})");
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info.value().stream);
}

TEST(openai, invalid_json_names_the_offset) {
  auto info = inspect_chat_request(R"({"model":"m",)");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, errc::invalid_request);
  EXPECT_NE(info.error().message.find("not valid JSON"), std::string::npos);
  EXPECT_NE(info.error().message.find("at byte"), std::string::npos);
  EXPECT_EQ(error_param(info.error().message), "");
}

TEST(openai, trailing_garbage_is_invalid_json) {
  auto info = inspect_chat_request(R"({"model":"m","messages":[{}]} x)");
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("after the document"), std::string::npos);
  EXPECT_TRUE(inspect_chat_request("{\"model\":\"m\",\"messages\":[{}]}\r\n ").ok());
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
    auto info = inspect_chat_request(s.body);
    ASSERT_FALSE(info.ok()) << s.body;
    EXPECT_EQ(error_param(info.error().message), s.param) << s.body << ": " << info.error().message;
  }
}

TEST(openai, a_body_that_is_not_an_object_is_refused) {
  for (const char* body : {"[]", "\"text\"", "42", "", "null"}) {
    auto info = inspect_chat_request(body);
    ASSERT_FALSE(info.ok()) << body;
    EXPECT_EQ(info.error().code, errc::invalid_request);
  }
}

TEST(openai, error_body_has_openais_shape_and_escapes_text) {
  auto body = openai_error_body("bad \"quote\"\n", "invalid_request_error", "", "queue_full");
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  ASSERT_FALSE(doc.HasParseError()) << body;
  const auto& error = doc["error"];
  EXPECT_STREQ(error["message"].GetString(), "bad \"quote\"\n");
  EXPECT_STREQ(error["type"].GetString(), "invalid_request_error");
  EXPECT_TRUE(error["param"].IsNull());
  EXPECT_STREQ(error["code"].GetString(), "queue_full");
}

} // namespace
} // namespace janus
