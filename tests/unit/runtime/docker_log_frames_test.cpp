#include "runtime/docker_log_frames.hpp"

#include <gtest/gtest.h>

#include <string>

namespace janus {
namespace {

std::string frame(std::uint8_t type, std::string_view payload) {
  std::string out{static_cast<char>(type), '\0', '\0', '\0'};
  auto n = static_cast<std::uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  return out.append(payload);
}

struct collected {
  std::string out;
  std::string err;
  bool ok = true;
};

collected demux(std::string_view stream, std::size_t piece) {
  docker_log_frames frames;
  collected got;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    got.ok = frames.feed(stream.substr(at, piece), [&got](log_stream s, std::string_view bytes) {
      (s == log_stream::stderr_stream ? got.err : got.out).append(bytes);
    });
  }
  return got;
}

TEST(docker_log_frames, frames_are_sorted_into_stdout_and_stderr_and_stdin_is_skipped) {
  auto stream = frame(1, "out one\n") + frame(2, "err\n") + frame(0, "in") + frame(1, "out two\n")
                + frame(1, "");
  auto got = demux(stream, stream.size());
  EXPECT_TRUE(got.ok);
  EXPECT_EQ(got.out, "out one\nout two\n");
  EXPECT_EQ(got.err, "err\n");
}

TEST(docker_log_frames, splitting_the_stream_never_changes_what_comes_out) {
  auto stream = frame(1, "hello\n") + frame(2, std::string(300, 'e')) + frame(1, "world\n");
  auto whole = demux(stream, stream.size());
  for (std::size_t piece = 1; piece < 20; ++piece) {
    auto split = demux(stream, piece);
    EXPECT_EQ(split.out, whole.out) << piece;
    EXPECT_EQ(split.err, whole.err) << piece;
  }
}

TEST(docker_log_frames, a_header_that_breaks_the_format_ends_the_stream_for_good) {
  docker_log_frames frames;
  int seen = 0;
  auto count = [&seen](log_stream, std::string_view) { ++seen; };
  EXPECT_FALSE(frames.feed(std::string_view{"\x03\0\0\0\0\0\0\x01x", 9}, count));
  EXPECT_TRUE(frames.broken());
  EXPECT_FALSE(frames.feed(frame(1, "late"), count));
  EXPECT_EQ(seen, 0);
  docker_log_frames padded;
  EXPECT_FALSE(padded.feed(std::string_view{"\x01\0\x01\0\0\0\0\x01x", 9}, count));
}

TEST(docker_log_frames, a_frame_size_near_four_gigabytes_is_passed_through_without_buffering) {
  docker_log_frames frames;
  std::size_t bytes = 0;
  EXPECT_TRUE(frames.feed(std::string_view{"\x01\0\0\0\xff\xff\xff\xff", 8} , [](auto, auto) {}));
  EXPECT_TRUE(frames.feed(std::string(1000, 'z'), [&bytes](auto, std::string_view b) { bytes += b.size(); }));
  EXPECT_EQ(bytes, 1000u);
  EXPECT_FALSE(frames.at_frame_boundary());
}

} // namespace
} // namespace janus
