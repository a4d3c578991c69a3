// The lease fast path: slots taken on the calling thread, the pool told what it must act on.
#include "actors/lease_gate.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/actors/pool_fixture.hpp"

namespace janus::actors {
namespace {

using namespace std::chrono_literals;
using strings = std::vector<std::string>;

class lease_fast_path : public test_kit::pool_fixture {
protected:
  /// A lease from the gate, on this thread, without running the actors.
  std::optional<lease> fast(std::string avoid = {}) {
    return try_lease(*gate_, http::acquire_request{"m", "fast", 1s, std::move(avoid)});
  }
};

TEST_F(lease_fast_path, leases_a_ready_container_without_the_pool_and_the_pool_counts_it) {
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  EXPECT_FALSE(fast()) << "nothing is ready yet";
  bring_up(0);

  auto first = fast();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->model, "m");
  EXPECT_EQ(first->container_id, "c1");
  EXPECT_EQ(first->target.port, 9001);
  EXPECT_EQ(first->kind, start_kind::prewarmed);
  EXPECT_FALSE(fast()) << "max_concurrency 1: its one slot is taken";
  EXPECT_EQ(status().inflight, 1);

  release(*first);
  auto second = fast();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->kind, start_kind::warm) << "c1 served a request before";
  auto now = status();
  EXPECT_EQ(now.served, 1u);
  EXPECT_EQ(now.inflight, 1);
  release(*second);
  EXPECT_EQ(status().inflight, 0);
}

TEST_F(lease_fast_path, takes_no_slot_while_a_request_waits_and_a_freed_slot_goes_to_the_waiter) {
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  bring_up(0);
  auto held = fast();
  ASSERT_TRUE(held);
  auto waiting = acquire();
  EXPECT_EQ(waiting->calls, 0) << "queued in the pool";
  EXPECT_EQ(gate_->waiting.load(), 1);

  release(*held);
  EXPECT_FALSE(fast()) << "the freed slot is the waiter's, not the fast path's";
  ASSERT_EQ(waiting->calls, 1) << "the release told the pool, which served its waiter";
  EXPECT_EQ(leased(*waiting).container_id, "c1");
  EXPECT_EQ(gate_->waiting.load(), 0);
  release(leased(*waiting));
  EXPECT_TRUE(fast()) << "nobody waits any more";
}

TEST_F(lease_fast_path, a_draining_container_takes_no_lease_and_stops_after_its_last_one) {
  auto model = small_model();
  model.max_concurrency = 2;
  model.max_containers = 1; // no spare container: the drain's replacement is c2
  spawn_pool(model);
  bring_up(0);
  auto held = fast();
  ASSERT_TRUE(held);
  auto answer = drain();
  ASSERT_TRUE(answer && answer->ok());
  EXPECT_EQ(answer->value().draining, 1);
  EXPECT_FALSE(fast()) << "c1 has a free slot but drains; c2 is not ready";
  EXPECT_TRUE(runtime_.stopped_ids().empty());

  release(*held);
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"}) << "the last lease's end told the pool";
  bring_up(1);
  auto next = fast();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->container_id, "c2");
  release(*next);
}

TEST_F(lease_fast_path, taking_the_last_idle_container_pokes_the_pool_to_start_a_spare_one) {
  spawn_pool(small_model()); // min_warm 1, max_containers 2
  bring_up(0);
  ASSERT_EQ(runtime_.starts(), 1u);
  auto held = fast();
  ASSERT_TRUE(held);
  EXPECT_TRUE(gate_->poke_pending.load());
  sys_.run();
  EXPECT_EQ(runtime_.starts(), 2u) << "min_warm counts spare containers";
  EXPECT_FALSE(gate_->poke_pending.load());
  bring_up(1);
  release(*held);
}

TEST_F(lease_fast_path, a_pool_that_cannot_grow_is_not_poked) {
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  bring_up(0);
  auto held = fast();
  ASSERT_TRUE(held);
  EXPECT_FALSE(gate_->poke_pending.load()) << "at max_containers: nothing to start";
  EXPECT_EQ(sys_.run(), 0u) << "no message to the pool at all";
  release(*held);
  EXPECT_EQ(sys_.run(), 0u) << "nor for an ordinary release";
}

TEST_F(lease_fast_path, avoids_the_named_container_and_leaves_it_to_the_pool_when_it_is_the_only_one) {
  auto model = small_model();
  model.min_warm = 2;
  model.max_containers = 2;
  spawn_pool(model);
  bring_up(0);
  bring_up(1);
  auto other = fast("c1");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->container_id, "c2");
  EXPECT_FALSE(fast("c1")) << "only c1 has a slot: the pool decides";
  auto fallback = acquire("c1");
  EXPECT_EQ(leased(*fallback).container_id, "c1") << "the pool takes it when nothing else can";
  release(*other);
  release(leased(*fallback));
}

TEST_F(lease_fast_path, three_refused_connections_in_a_row_retire_the_container) {
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  bring_up(0);
  for (int i = 0; i < 2; ++i) {
    auto held = fast();
    ASSERT_TRUE(held);
    release(*held, lease_outcome::refused);
  }
  EXPECT_TRUE(runtime_.stopped_ids().empty());
  auto third = fast();
  ASSERT_TRUE(third);
  release(*third, lease_outcome::refused);
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"});
  EXPECT_FALSE(fast()) << "out of rotation at once";
}

TEST_F(lease_fast_path, a_lease_that_changes_no_decision_sends_the_pool_no_message) {
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  bring_up(0);
  for (auto outcome : {lease_outcome::ok, lease_outcome::failed_before_first_byte,
                       lease_outcome::timed_out, lease_outcome::failed_mid_stream,
                       lease_outcome::client_gone}) {
    auto held = fast();
    ASSERT_TRUE(held);
    end_lease(*held, outcome);
    EXPECT_EQ(sys_.run(), 0u) << "outcome " << to_string(outcome);
  }
  auto refused = fast();
  ASSERT_TRUE(refused);
  end_lease(*refused, lease_outcome::refused);
  EXPECT_EQ(sys_.run(), 1u) << "a refusal is the pool's business";
}

TEST_F(lease_fast_path, every_lease_carries_the_models_first_byte_timeout) {
  auto model = small_model();
  model.max_containers = 1;
  model.first_byte_timeout = 250ms;
  spawn_pool(model);
  bring_up(0);
  auto held = fast();
  ASSERT_TRUE(held);
  EXPECT_EQ(held->first_byte_timeout, 250ms);
  release(*held);
  EXPECT_EQ(leased(*acquire()).first_byte_timeout, 250ms) << "the pool's leases too";
}

TEST_F(lease_fast_path, idle_reaping_sees_leases_the_pool_did_not_grant) {
  auto model = small_model();
  model.min_warm = 0;
  model.max_containers = 1;
  spawn_pool(model);
  auto cold = acquire();
  bring_up(0);
  release(leased(*cold));
  sys_.advance(600ms);
  auto held = fast();
  ASSERT_TRUE(held);
  release(*held);
  // The next tick (at most 100 ms later) notes the use: idle from then on.
  sys_.advance(950ms);
  EXPECT_TRUE(runtime_.stopped_ids().empty()) << "used 950 ms ago, idle_ttl is 1 s";
  sys_.advance(300ms);
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"});
  EXPECT_FALSE(fast());
}

TEST_F(lease_fast_path, shutdown_closes_every_slot) {
  spawn_pool(small_model());
  bring_up(0);
  auto replies = request_shutdown();
  EXPECT_FALSE(fast());
  runtime_.end_all();
  sys_.run();
  EXPECT_EQ(*replies, 1);
}

// -- the slot word, under real threads -------------------------------------------------------

TEST(lease_slot, never_exceeds_its_capacity_and_takes_nothing_once_closed) {
  auto gate = std::make_shared<pool_gate>("m");
  auto slot = std::make_shared<lease_slot>(1, "c1", endpoint{"127.0.0.1", 9001}, 3, gate);
  EXPECT_EQ(gate->idle.load(), 1);
  std::atomic<int> held{0};
  std::atomic<int> most{0};
  std::atomic<bool> closed{false};
  std::atomic<int> taken_after_close{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      lease one;
      one.slot = slot;
      for (int i = 0; i < 20000; ++i) {
        bool was_closed = closed.load();
        if (!slot->try_take()) {
          continue;
        }
        if (was_closed) {
          ++taken_after_close;
        }
        auto now = ++held;
        auto seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        --held;
        end_lease(one, lease_outcome::ok);
      }
    });
  }
  std::this_thread::sleep_for(2ms);
  slot->close();
  closed.store(true);
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_LE(most.load(), 3);
  EXPECT_EQ(taken_after_close.load(), 0);
  EXPECT_EQ(slot->inflight(), 0);
  EXPECT_TRUE(slot->closed());
  EXPECT_EQ(gate->idle.load(), 0) << "a closed slot is no idle container";
  EXPECT_EQ(slot->served.load(), slot->ended.load());
}

TEST(lease_slot, closes_if_idle_only_when_nothing_is_in_flight) {
  auto gate = std::make_shared<pool_gate>("m");
  lease_slot slot{1, "c1", endpoint{}, 2, gate};
  ASSERT_TRUE(slot.try_take());
  EXPECT_EQ(gate->idle.load(), 0);
  EXPECT_FALSE(slot.close_if_idle());
  lease held;
  held.slot = std::shared_ptr<lease_slot>(&slot, [](lease_slot*) {});
  end_lease(held, lease_outcome::ok);
  EXPECT_EQ(gate->idle.load(), 1);
  EXPECT_TRUE(slot.close_if_idle());
  EXPECT_EQ(gate->idle.load(), 0);
  EXPECT_FALSE(slot.try_take());
}

} // namespace
} // namespace janus::actors
