#include "http/platform_limits.hpp"

#include <gtest/gtest.h>

namespace janus::http {
namespace {

using namespace std::chrono_literals;

platform_route limited(int concurrency, double rate, double burst) {
  platform_route route;
  route.prefix = "/search";
  route.max_concurrency = concurrency;
  route.rate = rate;
  route.burst = burst;
  return route;
}

TEST(platform_limits, a_slot_is_held_while_the_admission_lives_and_given_back_after) {
  platform_limits limits;
  auto route = limited(1, 0, 1);
  auto now = std::chrono::steady_clock::now();
  {
    auto [first, none] = limits.admit("m", 0, route, now);
    ASSERT_TRUE(first);
    auto [second, refusal] = limits.admit("m", 0, route, now);
    EXPECT_FALSE(second);
    EXPECT_EQ(refusal.code, errc::rate_limited);
    EXPECT_EQ(refusal.retry_after, 1);
    EXPECT_EQ(limits.in_flight("m", 0), 1);
  }
  EXPECT_EQ(limits.in_flight("m", 0), 0);
  EXPECT_TRUE(limits.admit("m", 0, route, now).first);
}

TEST(platform_limits, limits_are_per_model_and_per_route) {
  platform_limits limits;
  auto route = limited(1, 0, 1);
  auto now = std::chrono::steady_clock::now();
  auto a = limits.admit("a", 0, route, now);
  EXPECT_TRUE(a.first);
  EXPECT_TRUE(limits.admit("b", 0, route, now).first);
  EXPECT_TRUE(limits.admit("a", 1, route, now).first);
}

TEST(platform_limits, past_the_rate_the_refusal_says_when_to_retry) {
  platform_limits limits;
  auto route = limited(100, 0.25, 1);
  auto now = std::chrono::steady_clock::now();
  EXPECT_TRUE(limits.admit("m", 0, route, now).first);
  auto [refused, why] = limits.admit("m", 0, route, now);
  EXPECT_FALSE(refused);
  EXPECT_EQ(why.retry_after, 4);
  EXPECT_NE(why.message.find("0.25/s"), std::string::npos) << why.message;
  EXPECT_TRUE(limits.admit("m", 0, route, now + 4s).first);
}

} // namespace
} // namespace janus::http
