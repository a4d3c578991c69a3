#include "actors/demand_window.hpp"

#include <gtest/gtest.h>

namespace janus::actors {
namespace {

using namespace std::chrono_literals;

const demand_window::time_point t0{std::chrono::hours(1)};

TEST(demand_window, the_peak_is_the_highest_demand_noted_within_the_window) {
  demand_window window{16s};
  window.note(t0, 3);
  window.note(t0 + 2s, 7);
  window.note(t0 + 4s, 1);
  EXPECT_EQ(window.peak(t0 + 5s), 7);
}

TEST(demand_window, a_peak_is_forgotten_between_15_and_16_sixteenths_of_the_window_after_it) {
  demand_window window{16s};
  window.note(t0 + 500ms, 7);
  window.note(t0 + 10s, 2);
  EXPECT_EQ(window.peak(t0 + 15s), 7);
  EXPECT_EQ(window.peak(t0 + 15s + 999ms), 7);
  EXPECT_EQ(window.peak(t0 + 16s), 2) << "the span of t0 left the window";
  EXPECT_EQ(window.peak(t0 + 26s), 0);
}

TEST(demand_window, a_bucket_reused_after_a_full_turn_forgets_its_old_peak) {
  demand_window window{16s};
  window.note(t0, 9);
  window.note(t0 + 16s, 1); // same ring position, one turn later
  EXPECT_EQ(window.peak(t0 + 16s), 1);
}

TEST(demand_window, a_zero_window_remembers_nothing) {
  demand_window window{0s};
  window.note(t0, 9);
  EXPECT_EQ(window.peak(t0), 0);
}

} // namespace
} // namespace janus::actors
