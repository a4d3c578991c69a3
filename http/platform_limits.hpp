#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "model/errc.hpp"
#include "model/platform_config.hpp"
#include "model/token_bucket.hpp"

namespace janus::http {

class platform_limits;

/// A call admitted past a route's limits: holds one of the model's concurrency slots on the
/// route until it is destroyed (or moved from).
class admission {
public:
  admission() = default;
  admission(platform_limits* owner, std::string model, std::size_t route);
  admission(admission&& other) noexcept;
  admission& operator=(admission&& other) noexcept;
  admission(const admission&) = delete;
  admission& operator=(const admission&) = delete;
  ~admission();

private:
  void release();

  platform_limits* owner_ = nullptr;
  std::string model_;
  std::size_t route_ = 0;
};

/// Per model, per route: a concurrency limit and a token bucket. Shared by every platform I/O
/// thread; one short lock per admission and release.
class platform_limits {
public:
  using clock = std::chrono::steady_clock;

  /// Admits one call of `model` on route `route` (whose limits `limits` holds) at `now`, or
  /// says why not: errc::rate_limited with a Retry-After in seconds.
  std::pair<std::optional<admission>, error_info> admit(const std::string& model,
                                                        std::size_t route,
                                                        const platform_route& limits,
                                                        clock::time_point now);

  /// Calls in flight of `model` on `route` (for tests).
  int in_flight(const std::string& model, std::size_t route);

private:
  friend class admission;

  struct entry {
    token_bucket bucket;
    int in_flight = 0;
  };

  void release(const std::string& model, std::size_t route);

  std::mutex mutex_;
  std::map<std::pair<std::string, std::size_t>, entry> entries_;
};

} // namespace janus::http
