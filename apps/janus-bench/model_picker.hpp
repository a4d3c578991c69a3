#pragma once

#include "apps/janus-bench/option_values.hpp"

#include <cstdint>
#include <vector>

namespace janus::bench {

/// Shares requests among models by weight, deterministically and evenly spread: request
/// number i gets the i-th entry of a smooth weighted round-robin cycle (weights 3 and 1 give
/// a a b a, a a b a, ...), so any window of sum-of-weights requests holds the exact shares.
class model_picker {
public:
  explicit model_picker(const std::vector<model_weight>& models);

  /// The model index of request number `sequence`.
  std::uint16_t pick(std::uint64_t sequence) const {
    return cycle_[sequence % cycle_.size()];
  }

  /// One full cycle (its length is the sum of the weights).
  const std::vector<std::uint16_t>& cycle() const {
    return cycle_;
  }

private:
  std::vector<std::uint16_t> cycle_;
};

} // namespace janus::bench
