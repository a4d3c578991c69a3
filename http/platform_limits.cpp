#include "http/platform_limits.hpp"

#include <cstdio>

namespace janus::http {

namespace {

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

} // namespace

admission::admission(platform_limits* owner, std::string model, std::size_t route)
  : owner_(owner), model_(std::move(model)), route_(route) {
}

admission::admission(admission&& other) noexcept
  : owner_(std::exchange(other.owner_, nullptr)),
    model_(std::move(other.model_)),
    route_(other.route_) {
}

admission& admission::operator=(admission&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    model_ = std::move(other.model_);
    route_ = other.route_;
  }
  return *this;
}

admission::~admission() {
  release();
}

void admission::release() {
  if (owner_ != nullptr) {
    owner_->release(model_, route_);
    owner_ = nullptr;
  }
}

std::pair<std::optional<admission>, error_info> platform_limits::admit(
  const std::string& model, std::size_t route, const platform_route& limits,
  clock::time_point now) {
  std::lock_guard lock{mutex_};
  auto key = std::make_pair(model, route);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    it = entries_.emplace(key, entry{token_bucket{limits.rate, limits.burst, now}, 0}).first;
  }
  auto& e = it->second;
  if (e.in_flight >= limits.max_concurrency) {
    return {std::nullopt,
            error_info{errc::rate_limited,
                       "model " + model + " has " + std::to_string(e.in_flight)
                         + " calls in flight on " + limits.prefix + " (max_concurrency "
                         + std::to_string(limits.max_concurrency) + ")",
                       1}};
  }
  if (auto wait = e.bucket.take(now); wait > clock::duration::zero()) {
    return {std::nullopt,
            error_info{errc::rate_limited,
                       "model " + model + " is over the rate limit of " + limits.prefix + " ("
                         + number(limits.rate) + "/s, burst "
                         + number(limits.burst) + ")",
                       retry_after_seconds(wait)}};
  }
  ++e.in_flight;
  return {admission{this, model, route}, error_info{}};
}

int platform_limits::in_flight(const std::string& model, std::size_t route) {
  std::lock_guard lock{mutex_};
  auto it = entries_.find({model, route});
  return it == entries_.end() ? 0 : it->second.in_flight;
}

void platform_limits::release(const std::string& model, std::size_t route) {
  std::lock_guard lock{mutex_};
  auto it = entries_.find({model, route});
  if (it != entries_.end() && it->second.in_flight > 0) {
    --it->second.in_flight;
  }
}

} // namespace janus::http
