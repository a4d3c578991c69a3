#pragma once

#include <atomic>

namespace janus::metrics {

/// A value that goes up and down, or is set. One relaxed atomic: gauges are set by the control
/// plane (actors), not on every request, so they are not striped.
class gauge {
public:
  void set(double value) noexcept {
    value_.store(value, std::memory_order_relaxed);
  }

  void add(double delta) noexcept {
    value_.fetch_add(delta, std::memory_order_relaxed);
  }

  double value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<double> value_{0};
};

} // namespace janus::metrics
