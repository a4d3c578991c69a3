#include "apps/janus-bench/load_profile.hpp"

#include <algorithm>
#include <cmath>

namespace janus::bench {

load_profile::load_profile(unsigned clients, std::optional<std::chrono::microseconds> length)
  : end_(length) {
  if (length) {
    steps_.push_back({clients, *length});
  } else {
    steps_.push_back({clients, std::chrono::microseconds::max()});
  }
}

load_profile::load_profile(std::vector<load_step> steps) : steps_(std::move(steps)) {
  std::chrono::microseconds total{0};
  for (const auto& step : steps_) {
    total += step.length;
  }
  end_ = total;
}

unsigned load_profile::level_at(std::chrono::microseconds at) const {
  if (end_ && at >= *end_) {
    return 0;
  }
  std::chrono::microseconds start{0};
  for (const auto& step : steps_) {
    if (!end_ || at < start + step.length) {
      return step.level;
    }
    start += step.length;
  }
  return 0;
}

std::optional<std::chrono::microseconds>
load_profile::next_change(std::chrono::microseconds at) const {
  if (!end_) {
    return std::nullopt;
  }
  if (at >= *end_) {
    return std::nullopt;
  }
  std::chrono::microseconds boundary{0};
  const unsigned now = level_at(at);
  for (const auto& step : steps_) {
    boundary += step.length;
    if (boundary > at && (boundary >= *end_ || level_at(boundary) != now)) {
      return boundary;
    }
  }
  return end_;
}

unsigned load_profile::peak() const {
  unsigned peak = 0;
  for (const auto& step : steps_) {
    peak = std::max(peak, step.level);
  }
  return peak;
}

open_schedule::open_schedule(double rate, std::optional<std::chrono::microseconds> window,
                             std::optional<std::uint64_t> requests)
  : rate_(rate), window_(window), requests_(requests) {
  // nop
}

std::optional<std::chrono::microseconds> open_schedule::due(std::uint64_t index) const {
  if (requests_ && index >= *requests_) {
    return std::nullopt;
  }
  std::chrono::microseconds at{
    static_cast<std::int64_t>(std::floor(static_cast<double>(index) * 1e6 / rate_))};
  if (window_ && at >= *window_) {
    return std::nullopt;
  }
  return at;
}

std::optional<std::uint64_t> open_schedule::size() const {
  std::optional<std::uint64_t> by_window;
  if (window_) {
    // Requests with i * 1e6 / rate < window.
    auto n = static_cast<std::uint64_t>(
      std::ceil(static_cast<double>(window_->count()) * rate_ / 1e6));
    while (n > 0 && !due(n - 1)) {
      --n;
    }
    while (due(n)) {
      ++n;
    }
    by_window = n;
  }
  if (requests_ && by_window) {
    return std::min(*requests_, *by_window);
  }
  return requests_ ? requests_ : by_window;
}

} // namespace janus::bench
