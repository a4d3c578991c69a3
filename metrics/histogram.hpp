#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "metrics/stripes.hpp"

namespace janus::metrics {

/// Observations counted in buckets with fixed upper bounds, plus their sum. Striped like
/// counter: each thread writes its own cache lines with relaxed atomics, so `observe` takes no
/// lock and allocates nothing; `collect` adds the stripes up.
class histogram {
public:
  /// What a scrape reads: cumulative bucket counts (`le` each bound, then +Inf), sum and count.
  struct snapshot {
    std::vector<double> bounds;
    /// `cumulative[i]` counts observations <= bounds[i]; the last element (+Inf) equals count.
    std::vector<std::uint64_t> cumulative;
    double sum = 0;
    std::uint64_t count = 0;
  };

  /// `bounds`: finite, strictly increasing upper bounds (the +Inf bucket is implied). Throws
  /// std::invalid_argument otherwise.
  histogram(std::vector<double> bounds, std::size_t stripes);

  /// Counts `value` in the first bucket whose bound is >= value; NaN is ignored.
  void observe(double value) noexcept;

  snapshot collect() const;

  const std::vector<double>& bounds() const noexcept {
    return bounds_;
  }

  /// Checks bucket bounds as the constructor does; throws std::invalid_argument.
  static void check_bounds(const std::vector<double>& bounds);

private:
  static constexpr std::size_t words_per_line = cache_line / sizeof(std::uint64_t);

  struct alignas(cache_line) line {
    std::atomic<std::uint64_t> word[words_per_line];
  };

  /// Word `index` of stripe `stripe`: word 0 is the sum (a double's bits), then the buckets.
  std::atomic<std::uint64_t>& word(std::size_t stripe, std::size_t index) const noexcept {
    return lines_[stripe * lines_per_stripe_ + index / words_per_line].word[index % words_per_line];
  }

  std::vector<double> bounds_;
  std::size_t lines_per_stripe_;
  std::size_t mask_;
  std::unique_ptr<line[]> lines_;
};

} // namespace janus::metrics
