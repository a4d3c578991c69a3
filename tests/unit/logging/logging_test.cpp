#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <spdlog/details/log_msg.h>

#include <chrono>
#include <string>

#include "logging/event.hpp"
#include "logging/json_formatter.hpp"
#include "logging/payload.hpp"
#include "logging/setup.hpp"
#include "logging/text_fields.hpp"

namespace janus::logging {
namespace {

using namespace std::chrono_literals;

/// Formats `payload` as spdlog would hand it to the sink, at 2024-05-01T12:00:00.042Z.
std::string formatted(spdlog::formatter& formatter, std::string_view payload,
                      spdlog::level::level_enum level = spdlog::level::info) {
  spdlog::details::log_msg msg{"janusd", level, spdlog::string_view_t{payload.data(), payload.size()}};
  msg.time = std::chrono::system_clock::time_point{1714564800s + 42ms};
  spdlog::memory_buf_t out;
  formatter.format(msg, out);
  return {out.data(), out.size()};
}

std::string request_payload(event& e) {
  e.field("request_id", "abc-123")
    .field("model", "org/echo 2")
    .field("status", 200)
    .field("stream", true)
    .millis("queue_ms", 1250us);
  return std::string{e.payload()};
}

TEST(logging_event, fields_keep_their_order_kind_and_value) {
  event e{"chat request"};
  auto payload = request_payload(e);
  EXPECT_EQ(message_of(payload), "chat request");
  std::vector<field_view> fields;
  for_each_field(payload, [&](const field_view& f) { fields.push_back(f); });
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_EQ(fields[0].key, "request_id");
  EXPECT_EQ(fields[0].value, "abc-123");
  EXPECT_FALSE(fields[0].is_number);
  EXPECT_EQ(fields[2].value, "200");
  EXPECT_TRUE(fields[2].is_number);
  EXPECT_EQ(fields[3].value, "true");
  EXPECT_EQ(fields[4].value, "1.250");
}

TEST(logging_event, a_value_cannot_forge_a_field) {
  event e{"x"};
  e.field("model", "m\x1f" "evil\x1e" "1");
  std::vector<field_view> fields;
  for_each_field(e.payload(), [&](const field_view& f) { fields.push_back(f); });
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].value, "m?evil?1");
}

TEST(logging_json, a_line_is_one_json_object_with_time_level_msg_and_typed_fields) {
  json_formatter formatter;
  event e{"chat request"};
  auto line = formatted(formatter, request_payload(e));
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(line.c_str(), line.size() - 1);
  ASSERT_FALSE(doc.HasParseError()) << line;
  EXPECT_STREQ(doc["time"].GetString(), "2024-05-01T12:00:00.042Z");
  EXPECT_STREQ(doc["level"].GetString(), "info");
  EXPECT_STREQ(doc["msg"].GetString(), "chat request");
  EXPECT_STREQ(doc["request_id"].GetString(), "abc-123");
  EXPECT_STREQ(doc["model"].GetString(), "org/echo 2");
  EXPECT_EQ(doc["status"].GetInt(), 200);
  EXPECT_TRUE(doc["stream"].GetBool());
  EXPECT_DOUBLE_EQ(doc["queue_ms"].GetDouble(), 1.25);
}

TEST(logging_json, plain_messages_and_awkward_bytes_still_make_valid_json) {
  json_formatter formatter;
  auto line = formatted(formatter, "quote \" backslash \\ tab \t newline \n bell \x07 bad \xff\xfe ok \xc3\xa9",
                        spdlog::level::warn);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(line.c_str(), line.size() - 1);
  ASSERT_FALSE(doc.HasParseError()) << line;
  EXPECT_STREQ(doc["level"].GetString(), "warn");
  EXPECT_EQ(std::string{doc["msg"].GetString()},
            "quote \" backslash \\ tab \t newline \n bell \x07 bad \xef\xbf\xbd\xef\xbf\xbd ok \xc3\xa9");
}

TEST(logging_text, fields_follow_the_message_as_key_value_quoted_when_needed) {
  auto formatter = make_text_formatter();
  event e{"chat request"};
  auto line = formatted(*formatter, request_payload(e));
  EXPECT_NE(line.find("] [info] chat request request_id=abc-123 model=\"org/echo 2\" status=200 "
                      "stream=true queue_ms=1.250"),
            std::string::npos)
    << line;
}

TEST(logging_level, the_environment_overrides_the_configured_level_when_valid) {
  EXPECT_EQ(choose_level("info", nullptr).level, spdlog::level::info);
  EXPECT_EQ(choose_level("warn", "").level, spdlog::level::warn);
  EXPECT_EQ(choose_level("info", "DEBUG").level, spdlog::level::debug);
  EXPECT_EQ(choose_level("info", "warning").level, spdlog::level::warn);
  auto bad = choose_level("error", "loud");
  EXPECT_EQ(bad.level, spdlog::level::err);
  EXPECT_NE(bad.ignored.find("loud"), std::string::npos);
  EXPECT_EQ(parse_level("OFF"), spdlog::level::off);
  EXPECT_FALSE(parse_level("verbose").has_value());
}

} // namespace
} // namespace janus::logging
