#include "metrics/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace janus::metrics {

void histogram::check_bounds(const std::vector<double>& bounds) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      throw std::invalid_argument("histogram bucket bounds must be finite");
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      throw std::invalid_argument("histogram bucket bounds must be strictly increasing");
    }
  }
}

histogram::histogram(std::vector<double> bounds, std::size_t stripes)
  : bounds_(std::move(bounds)),
    // The sum, one word per bound, one for +Inf; rounded up to whole cache lines.
    lines_per_stripe_((bounds_.size() + 2 + words_per_line - 1) / words_per_line),
    mask_(stripes_for(stripes) - 1),
    lines_(std::make_unique<line[]>(lines_per_stripe_ * stripes_for(stripes))) {
  check_bounds(bounds_);
}

void histogram::observe(double value) noexcept {
  if (std::isnan(value)) {
    return;
  }
  auto stripe = thread_slot() & mask_;
  auto bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value)
                                         - bounds_.begin());
  word(stripe, 1 + bucket).fetch_add(1, std::memory_order_relaxed);
  auto& sum = word(stripe, 0);
  auto old = sum.load(std::memory_order_relaxed);
  while (!sum.compare_exchange_weak(old, std::bit_cast<std::uint64_t>(std::bit_cast<double>(old) + value),
                                    std::memory_order_relaxed)) {
  }
}

histogram::snapshot histogram::collect() const {
  snapshot out;
  out.bounds = bounds_;
  out.cumulative.assign(bounds_.size() + 1, 0);
  for (std::size_t stripe = 0; stripe <= mask_; ++stripe) {
    out.sum += std::bit_cast<double>(word(stripe, 0).load(std::memory_order_relaxed));
    for (std::size_t b = 0; b <= bounds_.size(); ++b) {
      out.cumulative[b] += word(stripe, 1 + b).load(std::memory_order_relaxed);
    }
  }
  for (std::size_t b = 1; b < out.cumulative.size(); ++b) {
    out.cumulative[b] += out.cumulative[b - 1];
  }
  out.count = out.cumulative.back();
  return out;
}

} // namespace janus::metrics
