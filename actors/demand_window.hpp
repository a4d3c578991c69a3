#pragma once

#include <caf/actor_clock.hpp>

#include <array>
#include <chrono>
#include <cstdint>

namespace janus::actors {

/// The highest demand (requests in flight plus queued) a pool saw over a sliding window of time:
/// what its demand-following pre-warm sizes the pool for. The window is cut into `buckets`
/// spans of window / buckets; each keeps the highest sample in its span, so memory is fixed
/// whatever the message rate, and a peak is forgotten between window × (1 - 1 / buckets) and
/// window after it was seen. A zero window remembers nothing (peak() is always 0).
class demand_window {
public:
  using time_point = caf::actor_clock::time_point;

  static constexpr int buckets = 16;

  explicit demand_window(std::chrono::milliseconds window = std::chrono::milliseconds{0});

  /// Notes `demand` seen at `now`; `now` never goes back.
  void note(time_point now, int demand);

  /// The highest demand noted within the window before `now`.
  int peak(time_point now) const;

  std::chrono::milliseconds window() const noexcept {
    return window_;
  }

private:
  /// The span index of `at`, counted from the clock's epoch.
  std::int64_t span_of(time_point at) const;

  std::chrono::milliseconds window_;
  std::chrono::nanoseconds span_;
  /// Per ring position: the span it holds and that span's highest demand.
  std::array<std::int64_t, buckets> span_at_{};
  std::array<int, buckets> peak_at_{};
};

} // namespace janus::actors
