#include "metrics/grace_domain.hpp"

#include <iterator>

namespace janus::metrics {

grace_domain::grace_domain(std::size_t stripes)
  : cells_(std::make_unique<cell[]>(stripes_for(stripes))), mask_(stripes_for(stripes) - 1) {
}

void grace_domain::retire(std::shared_ptr<const void> garbage) {
  std::lock_guard lock{mutex_};
  pending_.push_back(std::move(garbage));
}

bool grace_domain::drained(unsigned phase) const noexcept {
  std::int64_t total = 0;
  for (std::size_t i = 0; i <= mask_; ++i) {
    // seq_cst: a pin counted after this load was taken after the unpublication, so its reader
    // loads the new pointer. A pin's add and subtract hit the same cell, so a cell never reads
    // below the pins it holds, and a sum of zero means none is held.
    total += cells_[i].active[phase].load(std::memory_order_seq_cst);
  }
  return total == 0;
}

void grace_domain::reclaim() {
  std::vector<std::shared_ptr<const void>> freed;
  {
    std::lock_guard lock{mutex_};
    for (;;) {
      if (stage_ == stage::idle) {
        if (pending_.empty()) {
          break;
        }
        current_ = std::move(pending_);
        pending_.clear();
        stage_ = stage::draining_other;
      }
      auto phase = phase_.load(std::memory_order_relaxed);
      if (stage_ == stage::draining_other) {
        // Pins of the other phase may be late readers of the last flip: let them go first.
        if (!drained(phase ^ 1u)) {
          break;
        }
        phase_.store(phase ^ 1u, std::memory_order_seq_cst);
        stage_ = stage::draining_old;
        continue;
      }
      // draining_old: every pin taken before the flip is on the old phase.
      if (!drained(phase ^ 1u)) {
        break;
      }
      std::move(current_.begin(), current_.end(), std::back_inserter(freed));
      current_.clear();
      stage_ = stage::idle;
    }
  }
  // Destructors run outside the lock.
  freed.clear();
}

std::size_t grace_domain::waiting() const {
  std::lock_guard lock{mutex_};
  return pending_.size() + current_.size();
}

} // namespace janus::metrics
