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

} // namespace
} // namespace janus::bench
