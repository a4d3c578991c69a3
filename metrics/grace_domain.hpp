#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "metrics/stripes.hpp"

namespace janus::metrics {

/// Deferred freeing for lock-free readers (a small sleepable RCU): readers hold a `pin` while they
/// use objects they found through a published pointer; a writer unpublishes an object, retires
/// it, and `reclaim` frees it once every pin taken before the unpublication is gone.
///
/// A pin adds one to its thread slot's cell of the current phase (one relaxed-cost atomic add on
/// the thread's own cache line) and subtracts it when dropped. `reclaim` never waits: it moves
/// the retired objects through two phase flips, each completed once the other phase's cells sum
/// to zero, and frees them then; called again later it continues where it stopped. The
/// invariant: an object retired after its unpublication is freed only once no pin taken before
/// that unpublication is held. A reader must take its pin before it loads the published pointer.
class grace_domain {
public:
  /// A reader's hold; move-only, released when destroyed.
  class pin {
  public:
    pin() = default;

    explicit pin(std::atomic<std::int64_t>* cell) noexcept : cell_(cell) {
    }

    pin(pin&& other) noexcept : cell_(std::exchange(other.cell_, nullptr)) {
    }

    pin& operator=(pin&& other) noexcept {
      if (this != &other) {
        release();
        cell_ = std::exchange(other.cell_, nullptr);
      }
      return *this;
    }

    pin(const pin&) = delete;
    pin& operator=(const pin&) = delete;

    ~pin() {
      release();
    }

    void release() noexcept {
      if (cell_ != nullptr) {
        cell_->fetch_sub(1, std::memory_order_release);
        cell_ = nullptr;
      }
    }

  private:
    std::atomic<std::int64_t>* cell_ = nullptr;
  };

  /// `stripes`: reader cells (rounded up to a power of two).
  explicit grace_domain(std::size_t stripes = default_stripes());

  grace_domain(const grace_domain&) = delete;
  grace_domain& operator=(const grace_domain&) = delete;

  /// Takes a pin on the calling thread's cell. Lock-free, no allocation.
  pin enter() noexcept {
    return enter(phase_.load(std::memory_order_relaxed));
  }

  /// Hands over an object that is no longer published; freed by a later `reclaim`.
  void retire(std::shared_ptr<const void> garbage);

  /// Frees what no pin can reach any more, as far as the pins held now allow; never waits.
  void reclaim();

  /// Objects retired and not freed yet.
  std::size_t waiting() const;

private:
  /// Tests: a reader that read the phase, then was delayed before it pinned.
  friend class grace_domain_probe;

  /// A pin on `phase`, which the reader read earlier (it may have flipped since).
  pin enter(unsigned phase) noexcept {
    auto* cell = &cells_[thread_slot() & mask_].active[phase & 1u];
    // seq_cst: ordered before the reader's load of the published pointer (see reclaim).
    cell->fetch_add(1, std::memory_order_seq_cst);
    return pin{cell};
  }

  struct alignas(cache_line) cell {
    std::atomic<std::int64_t> active[2] = {0, 0};
  };

  enum class stage { idle, draining_other, draining_old };

  /// Whether the cells of `phase` sum to zero (every pin of that phase is gone).
  bool drained(unsigned phase) const noexcept;

  std::unique_ptr<cell[]> cells_;
  std::size_t mask_;
  std::atomic<unsigned> phase_{0};
  mutable std::mutex mutex_;
  stage stage_ = stage::idle;
  /// Retired since the grace period under way began.
  std::vector<std::shared_ptr<const void>> pending_;
  /// Retired before it: freed when it ends.
  std::vector<std::shared_ptr<const void>> current_;
};

} // namespace janus::metrics
