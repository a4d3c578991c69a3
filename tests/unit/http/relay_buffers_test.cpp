#include "http/relay_buffers.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace janus::http {
namespace {

TEST(relay_buffers, a_buffer_given_back_is_the_next_one_taken) {
  relay_buffers buffers;
  char* first = nullptr;
  {
    auto lease = buffers.take();
    first = lease.data();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(lease.bytes().size(), relay_buffers::buffer_size);
    EXPECT_EQ(buffers.spare_count(), 0u);
  }
  EXPECT_EQ(buffers.spare_count(), 1u);
  auto again = buffers.take();
  EXPECT_EQ(again.data(), first);
  EXPECT_EQ(buffers.spare_count(), 0u);
}

TEST(relay_buffers, concurrent_leases_hold_distinct_buffers_and_spares_are_capped) {
  relay_buffers buffers{2};
  {
    std::vector<relay_buffers::lease> held;
    for (int i = 0; i < 5; ++i) {
      held.push_back(buffers.take());
    }
    for (std::size_t i = 0; i < held.size(); ++i) {
      for (std::size_t j = i + 1; j < held.size(); ++j) {
        EXPECT_NE(held[i].data(), held[j].data());
      }
    }
  }
  EXPECT_EQ(buffers.spare_count(), 2u) << "past max_spare, buffers given back are freed";
}

TEST(relay_buffers, a_moved_lease_gives_its_buffer_back_once) {
  relay_buffers buffers;
  auto lease = buffers.take();
  char* bytes = lease.data();
  relay_buffers::lease moved{std::move(lease)};
  EXPECT_EQ(moved.data(), bytes);
  EXPECT_EQ(lease.data(), nullptr); // NOLINT(bugprone-use-after-move): the moved-from state
  EXPECT_TRUE(lease.bytes().empty());
  relay_buffers::lease assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.data(), bytes);
  EXPECT_EQ(buffers.spare_count(), 0u);
  assigned = relay_buffers::lease{};
  EXPECT_EQ(buffers.spare_count(), 1u);
}

} // namespace
} // namespace janus::http
