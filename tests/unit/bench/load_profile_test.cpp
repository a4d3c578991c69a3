#include "apps/janus-bench/load_profile.hpp"

#include <gtest/gtest.h>

namespace janus::bench {
namespace {

using namespace std::chrono_literals;
using std::chrono::microseconds;

TEST(bench_load_profile, a_constant_profile_holds_until_its_end) {
  load_profile profile{8, microseconds{10s}};
  EXPECT_EQ(profile.level_at(0us), 8u);
  EXPECT_EQ(profile.level_at(microseconds{9999ms}), 8u);
  EXPECT_EQ(profile.level_at(microseconds{10s}), 0u);
  EXPECT_EQ(profile.next_change(0us), microseconds{10s});
  EXPECT_FALSE(profile.next_change(microseconds{10s}));
  EXPECT_EQ(profile.peak(), 8u);
}

TEST(bench_load_profile, without_an_end_the_level_never_changes) {
  load_profile profile{3, std::nullopt};
  EXPECT_EQ(profile.level_at(microseconds{1000h}), 3u);
  EXPECT_FALSE(profile.next_change(0us));
  EXPECT_FALSE(profile.end());
}

TEST(bench_load_profile, steps_change_the_level_at_their_boundaries) {
  load_profile profile{{{0, microseconds{5s}}, {32, microseconds{10s}}, {0, microseconds{5s}}}};
  EXPECT_EQ(profile.level_at(0us), 0u);
  EXPECT_EQ(profile.level_at(microseconds{5s}), 32u);
  EXPECT_EQ(profile.level_at(microseconds{14999ms}), 32u);
  EXPECT_EQ(profile.level_at(microseconds{15s}), 0u);
  EXPECT_EQ(profile.end(), microseconds{20s});
  EXPECT_EQ(profile.next_change(0us), microseconds{5s});
  EXPECT_EQ(profile.next_change(microseconds{6s}), microseconds{15s});
  EXPECT_EQ(profile.next_change(microseconds{16s}), microseconds{20s});
  EXPECT_EQ(profile.peak(), 32u);
}

TEST(bench_load_profile, equal_neighbouring_steps_are_one_level) {
  load_profile profile{{{4, microseconds{1s}}, {4, microseconds{1s}}, {2, microseconds{1s}}}};
  EXPECT_EQ(profile.next_change(0us), microseconds{2s});
}

TEST(bench_open_schedule, requests_are_due_every_one_over_rate_from_the_start) {
  open_schedule schedule{4.0, microseconds{1s}, std::nullopt};
  EXPECT_EQ(schedule.due(0), 0us);
  EXPECT_EQ(schedule.due(1), microseconds{250ms});
  EXPECT_EQ(schedule.due(3), microseconds{750ms});
  EXPECT_FALSE(schedule.due(4));
  EXPECT_EQ(schedule.size(), 4u);
}

TEST(bench_open_schedule, a_request_limit_ends_the_schedule_early) {
  open_schedule schedule{100.0, microseconds{10s}, 7};
  EXPECT_TRUE(schedule.due(6));
  EXPECT_FALSE(schedule.due(7));
  EXPECT_EQ(schedule.size(), 7u);
  open_schedule unbounded{3.0, std::nullopt, 5};
  EXPECT_EQ(unbounded.size(), 5u);
}

TEST(bench_open_schedule, a_fractional_rate_rounds_the_count_correctly) {
  open_schedule schedule{2.5, microseconds{2s}, std::nullopt};
  // 0, 0.4, 0.8, 1.2, 1.6 s.
  EXPECT_EQ(schedule.size(), 5u);
}

} // namespace
} // namespace janus::bench
