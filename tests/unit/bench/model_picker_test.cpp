#include "apps/janus-bench/model_picker.hpp"

#include <gtest/gtest.h>

namespace janus::bench {
namespace {

TEST(bench_model_picker, one_model_gets_every_request) {
  model_picker picker{{{"only", 5}}};
  for (std::uint64_t i = 0; i < 20; ++i) {
    EXPECT_EQ(picker.pick(i), 0u);
  }
}

TEST(bench_model_picker, weights_three_and_one_are_spread_evenly) {
  model_picker picker{{{"a", 3}, {"b", 1}}};
  EXPECT_EQ(picker.cycle(), (std::vector<std::uint16_t>{0, 0, 1, 0}));
}

TEST(bench_model_picker, every_window_of_a_cycle_holds_the_exact_shares) {
  model_picker picker{{{"a", 5}, {"b", 3}, {"c", 2}}};
  std::array<int, 3> counts{};
  for (std::uint64_t i = 100; i < 110; ++i) {
    ++counts[picker.pick(i)];
  }
  EXPECT_EQ(counts, (std::array<int, 3>{5, 3, 2}));
  // No model waits long: c comes at least once in any 6 consecutive picks.
  for (std::uint64_t start = 0; start < 10; ++start) {
    bool seen = false;
    for (std::uint64_t i = start; i < start + 6; ++i) {
      seen = seen || picker.pick(i) == 2;
    }
    EXPECT_TRUE(seen) << start;
  }
}

} // namespace
} // namespace janus::bench
