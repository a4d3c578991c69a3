#include "apps/janus-bench/summary.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace janus::bench {
namespace {

request_record ok_record(std::int64_t ttft_us, std::int64_t total_us, std::uint32_t tokens = 1) {
  request_record r;
  r.ttft_us = ttft_us;
  r.total_us = total_us;
  r.tokens = tokens;
  r.status = 200;
  return r;
}

TEST(bench_summary, percentiles_are_nearest_rank) {
  std::vector<std::int64_t> values(100);
  std::iota(values.begin(), values.end(), 1);
  EXPECT_EQ(percentile(values, 50), 50);
  EXPECT_EQ(percentile(values, 90), 90);
  EXPECT_EQ(percentile(values, 99), 99);
  EXPECT_EQ(percentile(values, 100), 100);
  std::vector<std::int64_t> one{7};
  EXPECT_EQ(percentile(one, 50), 7);
  EXPECT_EQ(percentile(one, 99), 7);
}

TEST(bench_summary, stats_are_ordered_whatever_the_input_order) {
  std::vector<std::int64_t> values{900, 5, 42, 42, 7, 1000, 3, 64};
  auto stats = compute_stats(values);
  EXPECT_EQ(stats.count, 8u);
  EXPECT_EQ(stats.min, 3);
  EXPECT_EQ(stats.max, 1000);
  EXPECT_LE(stats.min, stats.p50);
  EXPECT_LE(stats.p50, stats.p90);
  EXPECT_LE(stats.p90, stats.p99);
  EXPECT_LE(stats.p99, stats.max);
  EXPECT_EQ(stats.p50, 42);
  EXPECT_DOUBLE_EQ(stats.mean, (900 + 5 + 42 + 42 + 7 + 1000 + 3 + 64) / 8.0);
}

TEST(bench_summary, empty_input_gives_zero_stats) {
  std::vector<std::int64_t> none;
  auto stats = compute_stats(none);
  EXPECT_EQ(stats.count, 0u);
  EXPECT_EQ(stats.max, 0);
}

TEST(bench_summary, errors_are_counted_by_class_and_left_out_of_latencies) {
  std::vector<request_record> records{ok_record(10, 100, 4), ok_record(20, 200, 6)};
  request_record refused;
  refused.result = error_class::connect_error;
  refused.total_us = 1;
  records.push_back(refused);
  request_record slow;
  slow.result = error_class::timeout;
  slow.total_us = 99'000'000;
  slow.abandoned = true;
  slow.model = 1;
  records.push_back(slow);
  records[0].start = start_kind::cold;
  records[1].start = start_kind::warm;

  auto s = summarize(records, 2'000'000, {"a", "b"});
  EXPECT_EQ(s.requests, 4u);
  EXPECT_EQ(s.ok, 2u);
  EXPECT_EQ(s.errors(), 2u);
  EXPECT_EQ(s.by_class[static_cast<std::size_t>(error_class::connect_error)], 1u);
  EXPECT_EQ(s.by_class[static_cast<std::size_t>(error_class::timeout)], 1u);
  EXPECT_EQ(s.abandoned, 1u);
  EXPECT_EQ(s.tokens, 10u);
  EXPECT_EQ(s.total.max, 200);
  EXPECT_EQ(s.ttft.min, 10);
  EXPECT_EQ(s.by_start[static_cast<std::size_t>(start_kind::cold)], 1u);
  EXPECT_EQ(s.by_start[static_cast<std::size_t>(start_kind::warm)], 1u);
  EXPECT_EQ(s.by_start[static_cast<std::size_t>(start_kind::none)], 2u);
  EXPECT_DOUBLE_EQ(s.elapsed_s, 2.0);
  EXPECT_DOUBLE_EQ(s.rate, 2.0);
  EXPECT_DOUBLE_EQ(s.ok_rate, 1.0);
  EXPECT_DOUBLE_EQ(s.tokens_per_s, 5.0);
  ASSERT_EQ(s.models.size(), 2u);
  EXPECT_EQ(s.models[0].requests, 3u);
  EXPECT_EQ(s.models[0].ok, 2u);
  EXPECT_EQ(s.models[1].requests, 1u);
}

TEST(bench_summary, an_ok_request_without_ttft_counts_its_total_as_ttft) {
  auto s = summarize({ok_record(-1, 300)}, 1'000'000, {"m"});
  EXPECT_EQ(s.ttft.p50, 300);
}

} // namespace
} // namespace janus::bench
