#include "model/yaml_depth.hpp"

#include <gtest/gtest.h>

#include <string>

namespace janus {
namespace {

/// `levels` mappings in block style, each under the key `k` of the one before.
std::string block_mappings(int levels) {
  std::string yaml;
  for (int level = 0; level < levels; ++level) {
    yaml += std::string(static_cast<std::size_t>(2 * level), ' ') + "k:\n";
  }
  return yaml;
}

TEST(yaml_depth, block_mappings_up_to_the_limit_pass_and_the_next_one_is_located) {
  // The values of the last `k:` is null: `levels` lines are `levels` mappings.
  EXPECT_FALSE(find_excess_nesting(block_mappings(10), 10));
  auto past = find_excess_nesting(block_mappings(11), 10);
  ASSERT_TRUE(past);
  EXPECT_EQ(past->line, 11);
  EXPECT_EQ(past->column, 21);
}

TEST(yaml_depth, flow_and_block_sequences_count_like_mappings) {
  EXPECT_FALSE(find_excess_nesting("a: [[[1]]]", 4));
  auto flow = find_excess_nesting("a: [[[1]]]", 3);
  ASSERT_TRUE(flow);
  EXPECT_EQ(flow->line, 1);
  EXPECT_EQ(flow->column, 6);
  EXPECT_FALSE(find_excess_nesting("- - - x\n", 3));
  EXPECT_TRUE(find_excess_nesting("- - - x\n", 2));
  // A sequence under a key at the key's own column is one level more.
  EXPECT_FALSE(find_excess_nesting("a:\n- b: 1\n", 3));
  EXPECT_TRUE(find_excess_nesting("a:\n- b: 1\n", 2));
}

TEST(yaml_depth, quoted_and_literal_brackets_are_text) {
  const std::string deep_text = std::string(1000, '[');
  EXPECT_FALSE(find_excess_nesting("a: \"" + deep_text + "\"\n", 2));
  EXPECT_FALSE(find_excess_nesting("a: |\n  " + deep_text + "\n", 2));
  EXPECT_FALSE(find_excess_nesting("a: x" + deep_text + "\n", 2));
  EXPECT_FALSE(find_excess_nesting("a: 1 # " + deep_text + "\n", 2));
}

TEST(yaml_depth, a_hundred_thousand_levels_stop_at_the_limit) {
  auto flow = find_excess_nesting(std::string(100000, '[') + std::string(100000, ']'), 128);
  ASSERT_TRUE(flow);
  EXPECT_EQ(flow->column, 129);
  EXPECT_TRUE(find_excess_nesting(std::string(100000, '{'), 128));
}

TEST(yaml_depth, invalid_yaml_is_left_to_the_loader) {
  EXPECT_FALSE(find_excess_nesting("a: [1, 2", 128));
  EXPECT_FALSE(find_excess_nesting("a: b: c", 128));
  EXPECT_FALSE(find_excess_nesting("", 128));
}

} // namespace
} // namespace janus
