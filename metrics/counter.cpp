#include "metrics/counter.hpp"

namespace janus::metrics {

counter::counter(std::size_t stripes)
  : cells_(std::make_unique<cell[]>(stripes_for(stripes))), mask_(stripes_for(stripes) - 1) {
}

std::uint64_t counter::value() const noexcept {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= mask_; ++i) {
    total += cells_[i].value.load(std::memory_order_relaxed);
  }
  return total;
}

} // namespace janus::metrics
