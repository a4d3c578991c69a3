#include "apps/janus-bench/arrival_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace janus::bench {

namespace {

std::chrono::microseconds constant_due(double rate, std::uint64_t index) {
  return std::chrono::microseconds{
    static_cast<std::int64_t>(std::floor(static_cast<double>(index) * 1e6 / rate))};
}

} // namespace

arrival_schedule::arrival_schedule(arrival_settings settings,
                                   std::optional<std::chrono::microseconds> window,
                                   std::optional<std::uint64_t> requests)
  : settings_(settings), window_(window), requests_(requests), engine_(settings.seed) {
  // nop
}

std::optional<std::chrono::microseconds> arrival_schedule::next() {
  if (ended_ || (requests_ && issued_ >= *requests_)) {
    ended_ = true;
    return std::nullopt;
  }
  std::chrono::microseconds due{0};
  if (settings_.process == arrival_process::constant) {
    due = constant_due(settings_.rate, issued_);
  } else {
    // Past about 292,000 years the µs count would overflow: the window ends long before.
    due = std::chrono::microseconds{static_cast<std::int64_t>(std::min(next_us_, 9.2e18))};
    next_us_ += draw_gap_us();
  }
  if (window_ && due >= *window_) {
    ended_ = true;
    return std::nullopt;
  }
  ++issued_;
  return due;
}

std::optional<std::uint64_t> arrival_schedule::size_hint() const {
  std::optional<std::uint64_t> by_window;
  if (window_ && settings_.process == arrival_process::constant) {
    // Requests with floor(i * 1e6 / rate) < window.
    auto n = static_cast<std::uint64_t>(
      std::ceil(static_cast<double>(window_->count()) * settings_.rate / 1e6));
    while (n > 0 && constant_due(settings_.rate, n - 1) >= *window_) {
      --n;
    }
    while (constant_due(settings_.rate, n) < *window_) {
      ++n;
    }
    by_window = n;
  }
  if (requests_ && by_window) {
    return std::min(*requests_, *by_window);
  }
  return requests_ ? requests_ : by_window;
}

double arrival_schedule::draw_gap_us() {
  const double mean_us = 1e6 / settings_.rate;
  if (settings_.burstiness == 1.0) {
    return -std::log(draw_uniform()) * mean_us;
  }
  // Gamma of shape B and scale mean / B: mean `mean_us`, variance mean_us^2 / B.
  return draw_gamma(settings_.burstiness) * mean_us / settings_.burstiness;
}

double arrival_schedule::draw_gamma(double shape) {
  if (shape < 1.0) {
    // Gamma(k) = Gamma(k + 1) * U^(1/k) for k < 1.
    const double boost = std::pow(draw_uniform(), 1.0 / shape);
    return draw_gamma(shape + 1.0) * boost;
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0;
    double v = 0;
    do {
      x = draw_normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = draw_uniform();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2 || std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) {
      return d * v;
    }
  }
}

double arrival_schedule::draw_normal() {
  if (spare_normal_) {
    const double value = *spare_normal_;
    spare_normal_.reset();
    return value;
  }
  double u = 0;
  double v = 0;
  double s = 0;
  do {
    u = 2.0 * draw_uniform() - 1.0;
    v = 2.0 * draw_uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double scale = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * scale;
  return u * scale;
}

double arrival_schedule::draw_uniform() {
  // 53 random bits, shifted by half a step: never 0, never 1.
  return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;
}

} // namespace janus::bench
