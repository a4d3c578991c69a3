#pragma once

#include <chrono>

namespace janus {

/// A token bucket: `rate` tokens a second flow into a bucket of `burst` tokens; a call takes one.
/// Pure arithmetic on the times it is given (no clock of its own), so tests set the time.
/// Invariant: 0 <= tokens <= burst. A rate of 0 means no limit.
class token_bucket {
public:
  using clock = std::chrono::steady_clock;

  /// Starts full at `now`.
  token_bucket(double rate, double burst, clock::time_point now);

  /// Takes one token at `now`: zero when granted, otherwise how long until one is there.
  clock::duration take(clock::time_point now);

  double tokens() const noexcept {
    return tokens_;
  }

private:
  void refill(clock::time_point now);

  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_;
};

/// Whole seconds for a Retry-After header: `wait` rounded up, at least 1.
int retry_after_seconds(std::chrono::steady_clock::duration wait);

} // namespace janus
