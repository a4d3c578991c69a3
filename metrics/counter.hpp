#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "metrics/stripes.hpp"

namespace janus::metrics {

/// A monotonically increasing count. Striped: each thread adds to its own cache line with a
/// relaxed atomic, so an update costs no lock, no allocation and no shared cache line; a
/// scrape sums the stripes.
class counter {
public:
  /// A counter with `stripes` cells (rounded up to a power of two).
  explicit counter(std::size_t stripes);

  void inc(std::uint64_t n = 1) noexcept {
    cells_[thread_slot() & mask_].value.fetch_add(n, std::memory_order_relaxed);
  }

  /// The sum of every stripe: exact once updates have stopped, otherwise a recent value.
  std::uint64_t value() const noexcept;

private:
  struct alignas(cache_line) cell {
    std::atomic<std::uint64_t> value{0};
  };

  std::unique_ptr<cell[]> cells_;
  std::size_t mask_;
};

} // namespace janus::metrics
