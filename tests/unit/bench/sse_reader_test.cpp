#include "apps/janus-bench/sse_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace janus::bench {
namespace {

std::vector<std::string> all_events(sse_reader& reader,
                                    std::initializer_list<std::string_view> pieces) {
  std::vector<std::string> out;
  for (auto piece : pieces) {
    reader.feed(piece);
    out.insert(out.end(), reader.events().begin(), reader.events().end());
  }
  return out;
}

TEST(bench_sse_reader, each_blank_line_ends_an_event_with_its_data) {
  sse_reader reader;
  EXPECT_EQ(reader.feed("data: {\"a\":1}\n\ndata: [DONE]\n\n"), 2u);
  ASSERT_EQ(reader.events().size(), 2u);
  EXPECT_EQ(reader.events()[0], "{\"a\":1}");
  EXPECT_EQ(reader.events()[1], "[DONE]");
  EXPECT_FALSE(reader.mid_event());
}

TEST(bench_sse_reader, an_event_split_across_pieces_completes_with_the_last_piece) {
  sse_reader reader;
  EXPECT_EQ(reader.feed("da"), 0u);
  EXPECT_TRUE(reader.mid_event());
  EXPECT_EQ(reader.feed("ta: x\n"), 0u);
  EXPECT_TRUE(reader.mid_event());
  EXPECT_EQ(reader.feed("\n"), 1u);
  EXPECT_EQ(reader.events()[0], "x");
  EXPECT_FALSE(reader.mid_event());
}

TEST(bench_sse_reader, crlf_and_cr_line_ends_work_even_when_split) {
  sse_reader reader;
  auto events = all_events(reader, {"data: a\r", "\n\r", "\ndata: b\r\r", "data:c\n\n"});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0], "a");
  EXPECT_EQ(events[1], "b");
  EXPECT_EQ(events[2], "c");
}

TEST(bench_sse_reader, data_lines_are_joined_and_other_fields_and_comments_skipped) {
  sse_reader reader;
  auto events = all_events(reader, {": keep-alive\n\nevent: x\nid: 7\ndata: one\ndata:  two\n\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], "one\n two");
}

TEST(bench_sse_reader, a_stream_ending_inside_an_event_is_mid_event) {
  sse_reader reader;
  reader.feed("data: {\"a\":1}\n");
  EXPECT_TRUE(reader.mid_event());
}

TEST(bench_sse_reader, an_event_over_the_bound_stops_the_reader) {
  sse_reader reader{16};
  EXPECT_EQ(reader.feed("data: 0123456789\n\n"), 1u);
  EXPECT_FALSE(reader.overflowed());
  // Two data lines of 8 bytes each: together past 16 while the event is still open.
  EXPECT_EQ(reader.feed("data: abcdefgh\ndata: ijklmnop\n\ndata: x\n\n"), 0u);
  EXPECT_TRUE(reader.overflowed());
  EXPECT_EQ(reader.feed("data: y\n\n"), 0u);
}

TEST(bench_sse_reader, a_line_without_end_is_bounded_too) {
  sse_reader reader{1024};
  for (int i = 0; i < 100 && !reader.overflowed(); ++i) {
    reader.feed(std::string(100, 'x'));
  }
  EXPECT_TRUE(reader.overflowed());
}

} // namespace
} // namespace janus::bench
