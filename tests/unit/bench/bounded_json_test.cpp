#include "apps/janus-bench/bounded_json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace janus::bench {
namespace {

std::string nested(unsigned depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(bench_bounded_json, a_chat_chunk_parses_into_a_document) {
  auto doc = parse_bounded_json(R"({"choices":[{"delta":{"content":"hi"}}],"usage":null})");
  ASSERT_TRUE(doc);
  ASSERT_TRUE(doc->IsObject());
  EXPECT_STREQ((*doc)["choices"][0]["delta"]["content"].GetString(), "hi");
}

TEST(bench_bounded_json, nesting_up_to_the_limit_parses_and_one_level_more_does_not) {
  EXPECT_TRUE(parse_bounded_json(nested(64), 64));
  EXPECT_FALSE(parse_bounded_json(nested(65), 64));
  EXPECT_FALSE(parse_bounded_json("{\"a\":" + nested(64) + "}", 64));
}

TEST(bench_bounded_json, a_million_levels_are_refused_without_recursion) {
  EXPECT_FALSE(parse_bounded_json(std::string(1'000'000, '[')));
  EXPECT_FALSE(parse_bounded_json(nested(1'000'000)));
}

TEST(bench_bounded_json, bad_or_trailing_bytes_are_refused) {
  EXPECT_FALSE(parse_bounded_json("{\"a\":"));
  EXPECT_FALSE(parse_bounded_json("{} {}"));
  EXPECT_FALSE(parse_bounded_json(""));
  EXPECT_TRUE(parse_bounded_json(" {} "));
}

TEST(bench_bounded_json, a_view_is_read_to_its_end_only) {
  const std::string text = R"({"a":1}garbage)";
  EXPECT_TRUE(parse_bounded_json(std::string_view{text}.substr(0, 7)));
}

} // namespace
} // namespace janus::bench
