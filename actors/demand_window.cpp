#include "actors/demand_window.hpp"

#include <algorithm>

namespace janus::actors {

demand_window::demand_window(std::chrono::milliseconds window)
  : window_(window), span_(std::max<std::chrono::nanoseconds>(window / buckets,
                                                              std::chrono::nanoseconds{1})) {
  span_at_.fill(-1);
}

std::int64_t demand_window::span_of(time_point at) const {
  return at.time_since_epoch() / span_;
}

void demand_window::note(time_point now, int demand) {
  if (window_.count() <= 0) {
    return;
  }
  auto span = span_of(now);
  auto slot = static_cast<std::size_t>(span % buckets);
  if (span_at_[slot] != span) {
    span_at_[slot] = span;
    peak_at_[slot] = 0;
  }
  peak_at_[slot] = std::max(peak_at_[slot], demand);
}

int demand_window::peak(time_point now) const {
  if (window_.count() <= 0) {
    return 0;
  }
  auto current = span_of(now);
  int highest = 0;
  for (std::size_t slot = 0; slot < buckets; ++slot) {
    // The current span and the buckets - 1 before it: the window, give or take a span.
    if (span_at_[slot] >= 0 && span_at_[slot] > current - buckets && span_at_[slot] <= current) {
      highest = std::max(highest, peak_at_[slot]);
    }
  }
  return highest;
}

} // namespace janus::actors
