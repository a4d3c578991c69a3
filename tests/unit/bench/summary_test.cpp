#include "apps/janus-bench/summary.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace janus::bench {
namespace {

using namespace std::chrono_literals;

request_record ok_record(std::int64_t ttft_us, std::int64_t e2el_us, std::uint32_t tokens = 1) {
  request_record r;
  r.ttft_us = ttft_us;
  r.e2el_us = e2el_us;
  r.output_tokens = tokens;
  r.tokens_from = token_source::usage;
  r.status = 200;
  return r;
}

std::vector<double> sorted(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values;
}

// Every expected value below is what numpy (1.24) gives for np.percentile(values, p), written
// as Python's repr, which reads back to the same double: the checks are exact.
TEST(bench_summary, percentiles_interpolate_linearly_between_ranks_as_numpy_does) {
  const auto four = sorted({1, 2, 3, 4});
  EXPECT_EQ(percentile(four, 50), 2.5);
  EXPECT_EQ(percentile(four, 90), 3.7);
  EXPECT_EQ(percentile(four, 99), 3.9699999999999998);
  EXPECT_EQ(percentile(four, 40), 2.2);
  EXPECT_EQ(percentile(four, 5), 1.15);
  EXPECT_EQ(percentile(four, 0), 1.0);
  EXPECT_EQ(percentile(four, 100), 4.0);
  const auto five = sorted({15, 20, 35, 40, 50});
  EXPECT_EQ(percentile(five, 40), 29.0);
  EXPECT_EQ(percentile(five, 5), 16.0);
  EXPECT_EQ(percentile(five, 75), 40.0);
  EXPECT_EQ(percentile(five, 99), 49.6);
  const std::vector<double> one{7};
  EXPECT_EQ(percentile(one, 50), 7.0);
  EXPECT_EQ(percentile(one, 99), 7.0);
}

TEST(bench_summary, percentiles_interpolate_from_the_nearer_end_as_numpy_does) {
  // numpy computes b - (b - a) * (1 - t) when t >= 0.5: np.percentile([0.1, 0.7], 70) is
  // 0.5199999999999999, where a + (b - a) * t would give 0.52.
  EXPECT_EQ(percentile({0.1, 0.7}, 70), 0.5199999999999999);
}

TEST(bench_summary, stats_have_numpy_mean_population_std_median_and_the_asked_percentiles) {
  std::vector<double> values{900, 5, 42, 42, 7, 1000, 3, 64};
  auto stats = compute_stats(values, {90, 99});
  EXPECT_EQ(stats.count, 8u);
  EXPECT_DOUBLE_EQ(stats.min, 3);
  EXPECT_DOUBLE_EQ(stats.max, 1000);
  EXPECT_DOUBLE_EQ(stats.median, 42);
  EXPECT_DOUBLE_EQ(stats.mean, 257.875);
  // np.std(values) (ddof 0) is 400.8913311297714.
  EXPECT_NEAR(stats.stdev, 400.8913311297714, 1e-9);
  ASSERT_EQ(stats.percentiles.size(), 2u);
  EXPECT_EQ(stats.percentiles[0], 930.0);
  EXPECT_EQ(stats.percentiles[1], 993.0);
}

TEST(bench_summary, empty_input_gives_zero_stats_with_a_slot_per_percentile) {
  std::vector<double> none;
  auto stats = compute_stats(none, {50, 99});
  EXPECT_EQ(stats.count, 0u);
  EXPECT_EQ(stats.max, 0);
  EXPECT_EQ(stats.percentiles.size(), 2u);
}

TEST(bench_summary, tpot_is_the_time_after_the_first_token_over_the_tokens_after_it) {
  EXPECT_DOUBLE_EQ(*time_per_output_token(ok_record(10'000, 50'000, 5)), 10'000.0);
  EXPECT_DOUBLE_EQ(*time_per_output_token(ok_record(10'000, 13'000, 2)), 3'000.0);
  EXPECT_DOUBLE_EQ(*time_per_output_token(ok_record(1'000, 2'000, 4)), 1'000.0 / 3);
}

TEST(bench_summary, tpot_is_undefined_with_one_token_or_without_a_first_token) {
  EXPECT_FALSE(time_per_output_token(ok_record(10'000, 50'000, 1)));
  EXPECT_FALSE(time_per_output_token(ok_record(10'000, 50'000, 0)));
  EXPECT_FALSE(time_per_output_token(ok_record(-1, 50'000, 16)));
}

TEST(bench_summary, a_request_is_good_only_when_it_meets_every_given_objective) {
  slo_targets slo{20ms, 5ms, 100ms};
  EXPECT_TRUE(meets_slo(ok_record(20'000, 60'000, 9), slo));   // tpot exactly 5 ms
  EXPECT_FALSE(meets_slo(ok_record(20'001, 60'000, 9), slo));  // ttft over
  EXPECT_FALSE(meets_slo(ok_record(10'000, 60'000, 2), slo));  // tpot 50 ms
  EXPECT_FALSE(meets_slo(ok_record(10'000, 100'001, 100), slo));  // e2el over
  EXPECT_TRUE(meets_slo(ok_record(30'000, 60'000, 9), slo_targets{std::nullopt, 5ms, 100ms}));
  EXPECT_TRUE(meets_slo(ok_record(30'000, 600'000, 9), slo_targets{}));
}

TEST(bench_summary, one_token_counts_as_tpot_zero_and_no_first_token_as_ttft_zero_for_goodput) {
  slo_targets slo{1ms, 1ms, std::nullopt};
  EXPECT_TRUE(meets_slo(ok_record(500, 900'000, 1), slo));
  EXPECT_TRUE(meets_slo(ok_record(-1, 900'000, 0), slo));
}

TEST(bench_summary, errors_are_counted_by_class_and_left_out_of_latencies_and_tokens) {
  run_outcome outcome;
  outcome.records = {ok_record(10, 100, 4), ok_record(20, 200, 6)};
  outcome.records[0].input_tokens = 3;
  outcome.records[1].tokens_from = token_source::chunks;
  request_record refused;
  refused.result = error_class::connect_error;
  refused.e2el_us = 1;
  outcome.records.push_back(refused);
  request_record slow;
  slow.result = error_class::timeout;
  slow.e2el_us = 99'000'000;
  slow.output_tokens = 50;
  slow.abandoned = true;
  slow.model = 1;
  outcome.records.push_back(slow);
  outcome.records[0].start = start_kind::cold;
  outcome.records[1].start = start_kind::warm;
  outcome.elapsed_us = 2'000'000;

  auto s = summarize(outcome, {{"a", "b"}, {50, 90, 99}, {}});
  EXPECT_EQ(s.requests, 4u);
  EXPECT_EQ(s.completed, 2u);
  EXPECT_EQ(s.failed(), 2u);
  EXPECT_EQ(s.by_class[static_cast<std::size_t>(error_class::connect_error)], 1u);
  EXPECT_EQ(s.by_class[static_cast<std::size_t>(error_class::timeout)], 1u);
  EXPECT_EQ(s.abandoned, 1u);
  EXPECT_EQ(s.output_tokens, 10u);
  EXPECT_EQ(s.input_tokens, 3u);
  EXPECT_EQ(s.tokens_from[static_cast<std::size_t>(token_source::usage)], 1u);
  EXPECT_EQ(s.tokens_from[static_cast<std::size_t>(token_source::chunks)], 1u);
  EXPECT_EQ(s.e2el.max, 200);
  EXPECT_EQ(s.e2el.count, 2u);
  EXPECT_EQ(s.ttft.min, 10);
  EXPECT_EQ(s.tpot.count, 2u);
  EXPECT_EQ(s.by_start[static_cast<std::size_t>(start_kind::cold)], 1u);
  EXPECT_EQ(s.by_start[static_cast<std::size_t>(start_kind::warm)], 1u);
  EXPECT_EQ(s.by_start[static_cast<std::size_t>(start_kind::none)], 2u);
  EXPECT_DOUBLE_EQ(s.duration_s, 2.0);
  EXPECT_DOUBLE_EQ(s.requests_per_s, 2.0);
  EXPECT_DOUBLE_EQ(s.request_throughput, 1.0);
  EXPECT_DOUBLE_EQ(s.output_throughput, 5.0);
  EXPECT_DOUBLE_EQ(s.total_token_throughput, 6.5);
  EXPECT_FALSE(s.has_slo);
  ASSERT_EQ(s.models.size(), 2u);
  EXPECT_EQ(s.models[0].requests, 3u);
  EXPECT_EQ(s.models[0].completed, 2u);
  EXPECT_EQ(s.models[1].requests, 1u);
}

TEST(bench_summary, itl_stats_pool_every_gap_of_the_run) {
  run_outcome outcome;
  outcome.records = {ok_record(1000, 5000, 3)};
  outcome.itls = {1000, 3000, 2000, 4000};
  outcome.itl_dropped = 7;
  outcome.elapsed_us = 1'000'000;
  auto s = summarize(outcome, {{"m"}, {90}, {}});
  EXPECT_EQ(s.itl.count, 4u);
  EXPECT_DOUBLE_EQ(s.itl.mean, 2500.0);
  EXPECT_DOUBLE_EQ(s.itl.median, 2500.0);
  EXPECT_DOUBLE_EQ(s.itl.percentiles[0], 3700.0);
  EXPECT_EQ(s.itl_dropped, 7u);
}

TEST(bench_summary, a_whole_answer_has_no_ttft_tpot_or_itl_only_e2el) {
  run_outcome outcome;
  auto record = ok_record(-1, 300, 16);
  outcome.records = {record};
  outcome.elapsed_us = 1'000'000;
  auto s = summarize(outcome, {{"m"}, {99}, {}});
  EXPECT_EQ(s.ttft.count, 0u);
  EXPECT_EQ(s.tpot.count, 0u);
  EXPECT_EQ(s.itl.count, 0u);
  EXPECT_EQ(s.e2el.count, 1u);
  EXPECT_DOUBLE_EQ(s.e2el.median, 300.0);
}

TEST(bench_summary, goodput_is_good_completed_requests_per_second) {
  run_outcome outcome;
  outcome.records = {ok_record(5'000, 50'000, 10), ok_record(50'000, 60'000, 10),
                     ok_record(5'000, 900'000, 10)};
  request_record failed;
  failed.result = error_class::http_5xx;
  outcome.records.push_back(failed);
  outcome.elapsed_us = 2'000'000;
  auto s = summarize(outcome, {{"m"}, {99}, slo_targets{10ms, 20ms, std::nullopt}});
  // The second misses the TTFT objective, the third the TPOT one (99.4 ms); the failed
  // request is never good.
  EXPECT_TRUE(s.has_slo);
  EXPECT_EQ(s.good, 1u);
  EXPECT_DOUBLE_EQ(s.request_goodput, 0.5);
  EXPECT_DOUBLE_EQ(s.request_throughput, 1.5);
}

} // namespace
} // namespace janus::bench
