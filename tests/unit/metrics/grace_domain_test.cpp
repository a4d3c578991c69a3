#include "metrics/grace_domain.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace janus::metrics {

/// Plays a reader delayed between reading the phase and taking its pin.
class grace_domain_probe {
public:
  static unsigned phase(const grace_domain& domain) {
    return domain.phase_.load();
  }

  static grace_domain::pin enter(grace_domain& domain, unsigned phase) {
    return domain.enter(phase);
  }
};

namespace {

using namespace std::chrono_literals;

/// An object whose destruction is seen: `freed` is set by its deleter.
std::shared_ptr<const void> tracked(std::atomic<bool>& freed) {
  return std::shared_ptr<const int>{new int{0}, [&freed](const int* p) {
                                      freed = true;
                                      delete p;
                                    }};
}

TEST(metrics_grace_domain, a_retired_object_nobody_pins_is_freed_by_the_next_reclaim) {
  grace_domain domain{4};
  std::atomic<bool> freed{false};
  domain.retire(tracked(freed));
  EXPECT_EQ(domain.waiting(), 1u);
  domain.reclaim();
  EXPECT_TRUE(freed);
  EXPECT_EQ(domain.waiting(), 0u);
}

TEST(metrics_grace_domain, a_pin_taken_before_the_retirement_keeps_the_object_until_it_is_dropped) {
  grace_domain domain{4};
  std::atomic<bool> freed{false};
  auto pin = domain.enter();
  domain.retire(tracked(freed));
  for (int i = 0; i < 3; ++i) {
    domain.reclaim();
    EXPECT_FALSE(freed) << "reclaim " << i;
  }
  pin.release();
  domain.reclaim();
  EXPECT_TRUE(freed);
}

TEST(metrics_grace_domain, a_pin_taken_after_the_phase_flipped_does_not_hold_reclamation_back) {
  grace_domain domain{4};
  std::atomic<bool> freed{false};
  auto old_pin = domain.enter();
  domain.retire(tracked(freed));
  domain.reclaim(); // flips, then waits for old_pin
  auto new_pin = domain.enter();
  old_pin.release();
  domain.reclaim();
  EXPECT_TRUE(freed) << "new_pin came after the flip: it cannot see the retired object";
}

TEST(metrics_grace_domain, a_reader_that_read_the_phase_before_a_flip_still_holds_what_it_saw) {
  grace_domain domain{4};
  std::atomic<bool> first_freed{false};
  std::atomic<bool> second_freed{false};
  auto stale = grace_domain_probe::phase(domain); // the reader reads the phase ...
  domain.retire(tracked(first_freed));
  domain.reclaim(); // ... a whole grace period passes, the phase flips ...
  ASSERT_TRUE(first_freed);
  auto late = grace_domain_probe::enter(domain, stale); // ... then it pins the old phase
  // and loads what is published now, which is unpublished and retired next.
  domain.retire(tracked(second_freed));
  domain.reclaim();
  EXPECT_FALSE(second_freed) << "a pin on the phase before the last flip must hold it too";
  late.release();
  domain.reclaim();
  EXPECT_TRUE(second_freed);
}

TEST(metrics_grace_domain, pins_of_another_thread_hold_reclamation_back_too) {
  grace_domain domain{4};
  std::atomic<bool> freed{false};
  std::atomic<bool> pinned{false};
  std::atomic<bool> done{false};
  std::thread reader{[&] {
    auto pin = domain.enter();
    pinned = true;
    while (!done) {
      std::this_thread::sleep_for(1ms);
    }
  }};
  while (!pinned) {
    std::this_thread::yield();
  }
  domain.retire(tracked(freed));
  domain.reclaim();
  EXPECT_FALSE(freed);
  done = true;
  reader.join();
  domain.reclaim();
  EXPECT_TRUE(freed);
}

TEST(metrics_grace_domain, moving_a_pin_hands_it_over_without_releasing_it_twice) {
  grace_domain domain{4};
  std::atomic<bool> freed{false};
  auto first = domain.enter();
  grace_domain::pin second{std::move(first)};
  first.release(); // moved from: nothing to release
  domain.retire(tracked(freed));
  domain.reclaim();
  EXPECT_FALSE(freed);
  second = grace_domain::pin{};
  domain.reclaim();
  EXPECT_TRUE(freed);
}

/// Readers check, under a pin, that the object they found through the published pointer was
/// not freed, while a writer keeps replacing it and reclaiming: the slots are never really
/// freed, so a premature free is seen as a flag, not as undefined behaviour.
TEST(metrics_grace_domain, no_reader_ever_sees_an_object_freed_under_its_pin) {
  constexpr std::size_t slots = 1 << 20;
  constexpr int reader_count = 3;
  auto freed = std::make_unique<std::array<std::atomic<bool>, slots>>();
  grace_domain domain{2}; // fewer cells than threads: cells are shared
  std::atomic<std::size_t> published{0};
  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  std::atomic<std::size_t> premature{0};
  std::atomic<std::size_t> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < reader_count; ++t) {
    readers.emplace_back([&] {
      ++started;
      while (!stop) {
        auto pin = domain.enter();
        auto slot = published.load(std::memory_order_seq_cst);
        for (int spin = 0; spin < 50; ++spin) {
          if ((*freed)[slot].load(std::memory_order_acquire)) {
            ++premature;
            break;
          }
        }
        ++reads;
      }
    });
  }
  // The readers run before and while the writer does (a loaded machine may start them late).
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (started < reader_count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  auto reads_before = reads.load();
  auto writer_end = std::chrono::steady_clock::now() + 300ms;
  for (std::size_t next = 1; next < slots; ++next) {
    auto old = published.exchange(next, std::memory_order_seq_cst);
    domain.retire(std::shared_ptr<const void>{
      &(*freed)[old], [](std::atomic<bool>* flag) { flag->store(true, std::memory_order_release); }});
    domain.reclaim();
    // Bounded in time rather than count: a busy machine may run the readers late.
    if (next % 1024 == 0 && std::chrono::steady_clock::now() > writer_end) {
      break;
    }
  }
  auto reads_during = reads.load() - reads_before;
  stop = true;
  for (auto& r : readers) {
    r.join();
  }
  domain.reclaim();
  EXPECT_EQ(premature, 0u);
  EXPECT_GT(reads_during, 0u) << "the readers must have run while the writer retired";
  EXPECT_EQ(domain.waiting(), 0u) << "every retired object is freed once the readers are gone";
}

} // namespace
} // namespace janus::metrics
