#include "actors/readiness_schedule.hpp"

#include <gtest/gtest.h>

namespace janus::actors {
namespace {

using namespace std::chrono_literals;

TEST(readiness_schedule, a_container_that_just_started_is_probed_again_after_2_ms) {
  EXPECT_EQ(next_probe_delay(0ms), 2ms);
  EXPECT_EQ(next_probe_delay(2ms), 2ms);
  EXPECT_EQ(next_probe_delay(29ms), 2ms);
}

TEST(readiness_schedule, the_pause_is_a_tenth_of_the_time_probed_so_far) {
  EXPECT_EQ(next_probe_delay(30ms), 3ms);
  EXPECT_EQ(next_probe_delay(150ms), 15ms);
  EXPECT_EQ(next_probe_delay(1999ms), 199ms);
}

TEST(readiness_schedule, a_slow_container_is_probed_every_200_ms_at_most) {
  EXPECT_EQ(next_probe_delay(2s), 200ms);
  EXPECT_EQ(next_probe_delay(10min), 200ms);
}

TEST(readiness_schedule, a_start_of_30_s_costs_about_200_probes_and_is_seen_within_10_percent) {
  std::chrono::milliseconds at{0};
  int probes = 1;
  while (at < 30s) {
    auto pause = next_probe_delay(at);
    EXPECT_LE(pause, std::max(2ms, at / 10)) << "at " << at.count() << " ms";
    at += pause;
    ++probes;
  }
  EXPECT_LT(probes, 220);
  EXPECT_GT(probes, 150);
}

} // namespace
} // namespace janus::actors
