#include "http/change_turns.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace janus::http {
namespace {

using held = std::shared_ptr<change_turns::turn>;

TEST(change_turns, the_first_change_runs_at_once_and_the_next_waits_until_it_ends) {
  change_turns turns;
  held first;
  turns.enter([&](held t) { first = std::move(t); });
  ASSERT_TRUE(first);
  EXPECT_TRUE(turns.busy());
  held second;
  turns.enter([&](held t) { second = std::move(t); });
  EXPECT_FALSE(second) << "waits while the first holds its turn";
  first.reset();
  EXPECT_TRUE(second) << "gets the turn when the first ends";
  second.reset();
  EXPECT_FALSE(turns.busy());
}

TEST(change_turns, waiters_get_their_turns_in_the_order_they_asked) {
  change_turns turns;
  std::vector<int> order;
  std::vector<held> kept(4);
  held first;
  turns.enter([&](held t) { first = std::move(t); });
  for (int i = 0; i < 3; ++i) {
    turns.enter([&, i](held t) {
      order.push_back(i);
      kept[i] = std::move(t);
    });
  }
  first.reset();
  kept[0].reset();
  kept[1].reset();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  kept[2].reset();
  EXPECT_FALSE(turns.busy());
}

TEST(change_turns, a_waiter_that_drops_its_turn_hands_it_on_at_once) {
  change_turns turns;
  held first;
  turns.enter([&](held t) { first = std::move(t); });
  turns.enter([](held) {}); // gave up waiting: drops the turn
  held third;
  turns.enter([&](held t) { third = std::move(t); });
  first.reset();
  EXPECT_TRUE(third);
}

TEST(change_turns, a_turn_may_outlive_its_turns_object) {
  held survivor;
  {
    change_turns turns;
    turns.enter([&](held t) { survivor = std::move(t); });
  }
  survivor.reset(); // no use after free (the queue is shared)
  SUCCEED();
}

} // namespace
} // namespace janus::http
