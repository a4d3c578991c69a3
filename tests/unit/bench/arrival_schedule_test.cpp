#include "apps/janus-bench/arrival_schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace janus::bench {
namespace {

using namespace std::chrono_literals;
using std::chrono::microseconds;

/// Every due time of the schedule, in µs.
std::vector<double> all_due(arrival_schedule schedule) {
  std::vector<double> due;
  while (auto next = schedule.next()) {
    due.push_back(static_cast<double>(next->count()));
  }
  return due;
}

struct gap_stats {
  double mean = 0;
  double variance = 0;
};

gap_stats gaps_of(const std::vector<double>& due) {
  gap_stats stats;
  const auto n = static_cast<double>(due.size() - 1);
  for (std::size_t i = 1; i < due.size(); ++i) {
    stats.mean += (due[i] - due[i - 1]) / n;
  }
  for (std::size_t i = 1; i < due.size(); ++i) {
    const double d = due[i] - due[i - 1] - stats.mean;
    stats.variance += d * d / n;
  }
  return stats;
}

arrival_settings poisson(double rate, double burstiness, std::uint64_t seed) {
  return {rate, arrival_process::poisson, burstiness, seed};
}

TEST(bench_arrival_schedule, constant_requests_are_due_every_one_over_rate_from_the_start) {
  arrival_schedule schedule{{4.0}, microseconds{1s}, std::nullopt};
  EXPECT_EQ(schedule.size_hint(), 4u);
  EXPECT_EQ(schedule.next(), 0us);
  EXPECT_EQ(schedule.next(), microseconds{250ms});
  EXPECT_EQ(schedule.next(), microseconds{500ms});
  EXPECT_EQ(schedule.issued(), 3u);
  EXPECT_EQ(schedule.next(), microseconds{750ms});
  EXPECT_FALSE(schedule.next());
  EXPECT_FALSE(schedule.next());
  EXPECT_EQ(schedule.issued(), 4u);
}

TEST(bench_arrival_schedule, a_request_limit_ends_the_schedule_early) {
  arrival_schedule schedule{{100.0}, microseconds{10s}, 7};
  EXPECT_EQ(schedule.size_hint(), 7u);
  EXPECT_EQ(all_due(schedule).size(), 7u);
  arrival_schedule unbounded{{3.0}, std::nullopt, 5};
  EXPECT_EQ(unbounded.size_hint(), 5u);
  EXPECT_EQ(all_due(unbounded).size(), 5u);
}

TEST(bench_arrival_schedule, a_fractional_rate_rounds_the_count_correctly) {
  arrival_schedule schedule{{2.5}, microseconds{2s}, std::nullopt};
  // 0, 0.4, 0.8, 1.2, 1.6 s.
  EXPECT_EQ(schedule.size_hint(), 5u);
  EXPECT_EQ(all_due(schedule), (std::vector<double>{0, 400'000, 800'000, 1'200'000, 1'600'000}));
}

TEST(bench_arrival_schedule, a_poisson_schedule_starts_at_once_and_is_ordered) {
  auto due = all_due(arrival_schedule{poisson(50, 1, 0), microseconds{10s}, std::nullopt});
  ASSERT_FALSE(due.empty());
  EXPECT_EQ(due.front(), 0.0);
  EXPECT_TRUE(std::is_sorted(due.begin(), due.end()));
  EXPECT_LT(due.back(), 10e6);
}

TEST(bench_arrival_schedule, the_same_seed_gives_the_same_schedule_and_another_seed_another) {
  const auto a = all_due(arrival_schedule{poisson(200, 0.5, 42), std::nullopt, 1000});
  const auto b = all_due(arrival_schedule{poisson(200, 0.5, 42), std::nullopt, 1000});
  const auto c = all_due(arrival_schedule{poisson(200, 0.5, 43), std::nullopt, 1000});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.size(), 1000u);
}

// The schedules are seeded, so these statistics are fixed numbers, not chances: the bounds
// hold for every run. 200,000 gaps put the sample mean within 0.3 % and the sample variance
// within 1-2 % of the distribution's (one standard error); the bounds allow several times that.
TEST(bench_arrival_schedule, poisson_gaps_have_mean_one_over_rate_and_variance_its_square) {
  const double rate = 100;
  auto due = all_due(arrival_schedule{poisson(rate, 1, 1), std::nullopt, 200'001});
  auto stats = gaps_of(due);
  const double mean = 1e6 / rate;
  EXPECT_NEAR(stats.mean, mean, 0.01 * mean);
  EXPECT_NEAR(stats.variance, mean * mean, 0.03 * mean * mean);
  // A rate over a window: the count is near rate times the window.
  auto windowed = all_due(arrival_schedule{poisson(rate, 1, 1), microseconds{600s}, std::nullopt});
  EXPECT_NEAR(static_cast<double>(windowed.size()), 60'000.0, 0.02 * 60'000);
}

TEST(bench_arrival_schedule, gamma_gaps_keep_the_mean_and_divide_the_variance_by_burstiness) {
  const double rate = 100;
  const double mean = 1e6 / rate;
  for (double burstiness : {0.25, 0.5, 4.0}) {
    auto due = all_due(arrival_schedule{poisson(rate, burstiness, 7), std::nullopt, 200'001});
    auto stats = gaps_of(due);
    EXPECT_NEAR(stats.mean, mean, 0.01 * mean) << burstiness;
    const double variance = mean * mean / burstiness;
    EXPECT_NEAR(stats.variance, variance, 0.06 * variance) << burstiness;
  }
}

TEST(bench_arrival_schedule, a_random_schedule_knows_its_size_only_from_the_limit) {
  EXPECT_FALSE((arrival_schedule{poisson(10, 1, 0), microseconds{1s}, std::nullopt}.size_hint()));
  EXPECT_EQ((arrival_schedule{poisson(10, 1, 0), microseconds{1s}, 3}.size_hint()), 3u);
}

} // namespace
} // namespace janus::bench
