#include "model/token_bucket.hpp"

#include <gtest/gtest.h>

namespace janus {
namespace {

using namespace std::chrono_literals;

TEST(token_bucket, a_full_bucket_grants_its_burst_then_says_how_long_to_wait) {
  auto t0 = token_bucket::clock::time_point{} + 1h;
  token_bucket bucket{2.0, 3.0, t0};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(bucket.take(t0), token_bucket::clock::duration::zero()) << i;
  }
  auto wait = bucket.take(t0);
  EXPECT_GE(wait, 499ms);
  EXPECT_LE(wait, 501ms);
  EXPECT_EQ(retry_after_seconds(wait), 1);
}

TEST(token_bucket, tokens_flow_back_at_the_rate_and_never_above_the_burst) {
  auto t0 = token_bucket::clock::time_point{} + 1h;
  token_bucket bucket{1.0, 2.0, t0};
  bucket.take(t0);
  bucket.take(t0);
  EXPECT_GT(bucket.take(t0), token_bucket::clock::duration::zero());
  EXPECT_EQ(bucket.take(t0 + 1s), token_bucket::clock::duration::zero());
  bucket.take(t0 + 1h);
  EXPECT_DOUBLE_EQ(bucket.tokens(), 1.0);
}

TEST(token_bucket, a_rate_of_zero_never_limits) {
  auto t0 = token_bucket::clock::time_point{};
  token_bucket bucket{0.0, 1.0, t0};
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(bucket.take(t0), token_bucket::clock::duration::zero());
  }
}

TEST(retry_after_seconds, rounds_up_to_whole_seconds_and_is_at_least_one) {
  EXPECT_EQ(retry_after_seconds(1ms), 1);
  EXPECT_EQ(retry_after_seconds(1001ms), 2);
  EXPECT_EQ(retry_after_seconds(0ms), 1);
}

} // namespace
} // namespace janus
