#include "http/sse_scanner.hpp"

#include <gtest/gtest.h>

#include <string>

namespace janus::http {
namespace {

const std::string sample = "data: {\"id\":\"a\",\"choices\":[]}\n\n"
                           "data: {\"id\":\"b\"}\n\n"
                           "data: [DONE]\n\n";

TEST(sse_scanner, counts_data_frames_in_one_piece) {
  sse_scanner scanner;
  EXPECT_EQ(scanner.feed(sample), 3u);
  EXPECT_TRUE(scanner.saw_done());
  EXPECT_FALSE(scanner.saw_error());
  EXPECT_TRUE(scanner.at_frame_boundary());
}

TEST(sse_scanner, finds_the_same_frames_whatever_the_split) {
  for (std::size_t cut1 = 0; cut1 <= sample.size(); ++cut1) {
    for (std::size_t cut2 = cut1; cut2 <= sample.size(); cut2 += 7) {
      sse_scanner scanner;
      std::size_t frames = scanner.feed(std::string_view{sample}.substr(0, cut1));
      frames += scanner.feed(std::string_view{sample}.substr(cut1, cut2 - cut1));
      frames += scanner.feed(std::string_view{sample}.substr(cut2));
      ASSERT_EQ(frames, 3u) << cut1 << "," << cut2;
      ASSERT_TRUE(scanner.saw_done());
    }
  }
}

TEST(sse_scanner, a_frame_completes_only_at_the_empty_line) {
  sse_scanner scanner;
  EXPECT_EQ(scanner.feed("data: {\"x\":1}\n"), 0u);
  EXPECT_FALSE(scanner.at_frame_boundary());
  EXPECT_EQ(scanner.feed("\n"), 1u);
  EXPECT_TRUE(scanner.at_frame_boundary());
  EXPECT_EQ(scanner.data_frames(), 1u);
}

TEST(sse_scanner, accepts_crlf_line_endings) {
  sse_scanner scanner;
  EXPECT_EQ(scanner.feed("data: {\"x\":1}\r\n\r\ndata: [DONE]\r\n\r\n"), 2u);
  EXPECT_TRUE(scanner.saw_done());
  EXPECT_TRUE(scanner.at_frame_boundary());
}

TEST(sse_scanner, comments_and_events_without_data_are_not_data_frames) {
  sse_scanner scanner;
  EXPECT_EQ(scanner.feed(": keep-alive\n\nevent: ping\n\n"), 0u);
  EXPECT_EQ(scanner.data_frames(), 0u);
  EXPECT_TRUE(scanner.at_frame_boundary());
}

TEST(sse_scanner, sees_an_error_frame) {
  sse_scanner scanner;
  scanner.feed("data: {\"error\":{\"message\":\"boom\"}}\n\n");
  EXPECT_TRUE(scanner.saw_error());
  EXPECT_FALSE(scanner.saw_done());
}

TEST(sse_scanner, the_word_error_inside_content_is_not_an_error_frame) {
  sse_scanner scanner;
  scanner.feed("data: {\"choices\":[{\"delta\":{\"content\":\"{\\\"error\\\"\"}}]}\n\n");
  EXPECT_FALSE(scanner.saw_error());
  EXPECT_EQ(scanner.data_frames(), 1u);
}

TEST(sse_scanner, data_without_the_space_counts_too) {
  sse_scanner scanner;
  EXPECT_EQ(scanner.feed("data:[DONE]\n\n"), 1u);
  EXPECT_TRUE(scanner.saw_done());
}

} // namespace
} // namespace janus::http
