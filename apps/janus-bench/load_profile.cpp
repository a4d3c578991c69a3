#include "apps/janus-bench/load_profile.hpp"

#include <algorithm>

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

} // namespace janus::bench
