#include "runtime/container_logs.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace janus {
namespace {

using namespace std::chrono_literals;
using clock_type = container_logs::clock;

container_log_limits limits(double rate, double burst, std::size_t ring = 1024, std::size_t keep = 2) {
  container_log_limits l;
  l.lines_per_second = rate;
  l.burst = burst;
  l.ring_bytes = ring;
  l.keep_gone = keep;
  return l;
}

TEST(container_logs, lines_past_the_burst_are_dropped_from_the_log_and_counted_per_model) {
  std::map<std::string, std::uint64_t> dropped;
  container_logs logs{limits(10, 5), [&](std::string_view model, std::uint64_t n) {
                        dropped[std::string{model}] += n;
                      }};
  logs.open("c1", "m");
  auto now = clock_type::now();
  for (int i = 0; i < 20; ++i) {
    logs.line("c1", log_stream::stdout_stream, "line " + std::to_string(i), false, now);
  }
  EXPECT_EQ(dropped["m"], 15u) << "a burst of 5 in the same instant";
  // A second later the bucket holds 10 tokens again: lines pass.
  logs.line("c1", log_stream::stdout_stream, "later", false, now + 1s);
  EXPECT_EQ(dropped["m"], 15u);
}

TEST(container_logs, the_ring_keeps_every_line_within_its_bytes_and_tail_returns_the_newest) {
  container_logs logs{limits(1, 1, 20)};
  logs.open("c1", "m");
  auto now = clock_type::now();
  for (int i = 0; i < 10; ++i) {
    logs.line("c1", i % 2 ? log_stream::stderr_stream : log_stream::stdout_stream,
              "line" + std::to_string(i), false, now);
  }
  auto all = logs.tail("c1", 100);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 4u) << "20 bytes hold four 5-byte lines";
  EXPECT_EQ(all->front().text, "line6");
  EXPECT_EQ(all->back().text, "line9");
  EXPECT_EQ(all->back().stream, "stderr");
  auto two = logs.tail("c1", 2);
  ASSERT_TRUE(two);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ(two->front().text, "line8");
  EXPECT_EQ(logs.tail("c1", 0)->size(), 0u);
}

TEST(container_logs, an_unknown_container_has_no_tail_and_its_lines_are_ignored) {
  container_logs logs{limits(1, 1)};
  logs.line("nobody", log_stream::stdout_stream, "x", false);
  EXPECT_FALSE(logs.tail("nobody", 10));
}

TEST(container_logs, gone_containers_keep_their_lines_until_more_than_keep_gone_are_gone) {
  container_logs logs{limits(100, 100, 1024, 2)};
  for (auto id : {"a", "b", "c"}) {
    logs.open(id, "m");
    logs.line(id, log_stream::stdout_stream, std::string{"last words of "} + id, false);
    logs.close(id);
  }
  EXPECT_FALSE(logs.tail("a", 10)) << "the oldest gone container is forgotten";
  ASSERT_TRUE(logs.tail("b", 10));
  EXPECT_EQ(logs.tail("c", 10)->back().text, "last words of c");
  logs.line("c", log_stream::stdout_stream, "after the end", false);
  EXPECT_EQ(logs.tail("c", 10)->size(), 1u) << "a gone container takes no more lines";
}

} // namespace
} // namespace janus
