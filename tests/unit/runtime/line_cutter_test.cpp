#include "runtime/line_cutter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace janus {
namespace {

using lines = std::vector<std::pair<std::string, bool>>;

lines cut_all(std::string_view input, std::size_t max_line, std::size_t piece) {
  line_cutter cutter{max_line};
  lines out;
  auto visit = [&out](std::string_view line, bool cut) { out.emplace_back(line, cut); };
  for (std::size_t at = 0; at < input.size(); at += piece) {
    cutter.feed(input.substr(at, piece), visit);
    EXPECT_LE(cutter.pending(), max_line);
  }
  cutter.finish(visit);
  return out;
}

TEST(line_cutter, lines_end_at_newlines_without_carriage_returns_or_empty_lines) {
  auto got = cut_all("one\r\ntwo\n\n\nthree", 100, 1000);
  EXPECT_EQ(got, (lines{{"one", false}, {"two", false}, {"three", false}}));
}

TEST(line_cutter, a_long_line_is_cut_at_the_limit_and_marked_and_the_next_line_is_whole) {
  auto got = cut_all(std::string(40, 'x') + "\nnext\n", 16, 1000);
  EXPECT_EQ(got, (lines{{std::string(16, 'x'), true}, {"next", false}}));
}

TEST(line_cutter, a_cut_never_splits_a_utf8_sequence) {
  // 15 ASCII bytes and a 2-byte sequence across the 16-byte limit.
  auto got = cut_all(std::string(15, 'a') + "\xc3\xa9" + "tail\n", 16, 1000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, std::string(15, 'a'));
  EXPECT_TRUE(got[0].second);
}

TEST(line_cutter, splitting_the_input_never_changes_the_lines) {
  std::string input = "alpha\nbeta\r\n" + std::string(50, 'y') + "\n\ngamma\nlast";
  auto whole = cut_all(input, 20, input.size());
  for (std::size_t piece = 1; piece < input.size(); ++piece) {
    EXPECT_EQ(cut_all(input, 20, piece), whole) << "pieces of " << piece;
  }
}

} // namespace
} // namespace janus
