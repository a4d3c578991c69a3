#include "model/bounded_json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace janus {
namespace {

std::string arrays(int levels) {
  return std::string(static_cast<std::size_t>(levels), '[')
         + std::string(static_cast<std::size_t>(levels), ']');
}

TEST(bounded_json, builds_the_document_up_to_the_limit_and_refuses_one_level_more) {
  rapidjson::Document doc;
  EXPECT_TRUE(parse_bounded_json(doc, arrays(5), 5).ok());
  EXPECT_TRUE(doc.IsArray());
  auto past = parse_bounded_json(doc, arrays(6), 5);
  EXPECT_EQ(past.refusal, json_refusal::too_deep);
  EXPECT_EQ(past.offset, 5u) << "the sixth [";
  EXPECT_TRUE(doc.IsNull());
  EXPECT_EQ(parse_bounded_json(doc, R"({"a":{"b":[{}]}})", 3).refusal, json_refusal::too_deep);
  EXPECT_TRUE(parse_bounded_json(doc, R"({"a":{"b":[{}]}})", 4).ok());
  EXPECT_TRUE(parse_bounded_json(doc, "7", 0).ok()) << "a scalar nests nothing";
}

TEST(bounded_json, a_million_unclosed_brackets_stop_at_the_limit) {
  rapidjson::Document doc;
  auto outcome = parse_bounded_json(doc, std::string(1 << 20, '['), 64);
  EXPECT_EQ(outcome.refusal, json_refusal::too_deep);
  EXPECT_EQ(outcome.offset, 64u);
}

TEST(bounded_json, syntax_errors_bad_utf8_and_trailing_data_are_told_apart) {
  rapidjson::Document doc;
  auto broken = parse_bounded_json(doc, R"({"a":)", 8);
  EXPECT_EQ(broken.refusal, json_refusal::syntax);
  EXPECT_FALSE(broken.what.empty());
  EXPECT_EQ(parse_bounded_json(doc, "", 8).refusal, json_refusal::syntax);
  EXPECT_EQ(parse_bounded_json(doc, "[\"\xff\"]", 8).refusal, json_refusal::invalid_utf8);
  auto trailing = parse_bounded_json(doc, "{} x", 8);
  EXPECT_EQ(trailing.refusal, json_refusal::syntax);
  EXPECT_EQ(trailing.offset, 3u);
  EXPECT_TRUE(doc.IsNull());
  EXPECT_EQ(parse_bounded_json(doc, std::string{"{}\0{}", 5}, 8).refusal, json_refusal::syntax)
    << "a NUL byte does not end the text";
  EXPECT_TRUE(parse_bounded_json(doc, " {\"k\":[1,2.5,null,true]} \r\n\t", 8).ok());
  EXPECT_EQ(doc["k"].Size(), 4u);
}

} // namespace
} // namespace janus
