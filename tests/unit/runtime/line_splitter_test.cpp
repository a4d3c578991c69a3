#include "runtime/line_splitter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace janus {
namespace {

using lines = std::vector<std::string>;

TEST(line_splitter, whole_lines_in_one_piece_come_out_in_order) {
  line_splitter splitter;
  EXPECT_EQ(splitter.feed("{\"a\":1}\n{\"b\":2}\n"), (lines{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(splitter.pending(), 0u);
}

TEST(line_splitter, a_line_cut_across_pieces_comes_out_once_it_is_complete) {
  line_splitter splitter;
  EXPECT_TRUE(splitter.feed("{\"status\":\"di").empty());
  EXPECT_EQ(splitter.pending(), 13u);
  EXPECT_TRUE(splitter.feed("e\",\"id\":").empty());
  EXPECT_EQ(splitter.feed("\"x\"}\n{\"next"), lines{"{\"status\":\"die\",\"id\":\"x\"}"});
  EXPECT_EQ(splitter.feed("\":1}\n"), lines{"{\"next\":1}"});
}

TEST(line_splitter, every_split_point_of_a_stream_gives_the_same_lines) {
  const std::string stream = "first line\r\nsecond\n\nthird one\n";
  const lines expected{"first line", "second", "third one"};
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    line_splitter splitter;
    auto got = splitter.feed(std::string_view{stream}.substr(0, cut));
    for (auto& line : splitter.feed(std::string_view{stream}.substr(cut))) {
      got.push_back(std::move(line));
    }
    EXPECT_EQ(got, expected) << "cut at " << cut;
  }
}

TEST(line_splitter, byte_by_byte_feeding_gives_the_same_lines) {
  const std::string stream = "a\nbb\nccc\n";
  line_splitter splitter;
  lines got;
  for (char c : stream) {
    for (auto& line : splitter.feed(std::string_view{&c, 1})) {
      got.push_back(std::move(line));
    }
  }
  EXPECT_EQ(got, (lines{"a", "bb", "ccc"}));
}

TEST(line_splitter, carriage_returns_and_empty_lines_are_dropped) {
  line_splitter splitter;
  EXPECT_EQ(splitter.feed("\n\r\nx\r\n\n"), lines{"x"});
}

TEST(line_splitter, a_line_over_the_limit_is_discarded_whole_and_the_next_one_is_kept) {
  line_splitter splitter{8};
  EXPECT_TRUE(splitter.feed("0123456").empty());
  EXPECT_TRUE(splitter.feed("789abc").empty()) << "over the limit: dropped";
  EXPECT_EQ(splitter.pending(), 0u) << "nothing of it is buffered";
  EXPECT_EQ(splitter.feed("def\nok\n"), lines{"ok"});
  EXPECT_EQ(splitter.discarded(), 1u);
  EXPECT_EQ(splitter.feed("12345678\n"), lines{"12345678"}) << "exactly the limit is kept";
}

TEST(line_splitter, reset_forgets_an_incomplete_line) {
  line_splitter splitter;
  EXPECT_TRUE(splitter.feed("half a li").empty());
  splitter.reset();
  EXPECT_EQ(splitter.feed("new\n"), lines{"new"});
}

} // namespace
} // namespace janus
