#include "model/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace janus {

token_bucket::token_bucket(double rate, double burst, clock::time_point now)
  : rate_(rate), burst_(std::max(burst, 1.0)), tokens_(std::max(burst, 1.0)), last_(now) {
}

void token_bucket::refill(clock::time_point now) {
  if (now <= last_) {
    return;
  }
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_ = now;
}

token_bucket::clock::duration token_bucket::take(clock::time_point now) {
  if (rate_ <= 0) {
    return clock::duration::zero();
  }
  refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return clock::duration::zero();
  }
  double missing = 1.0 - tokens_;
  auto wait = std::chrono::duration<double>(missing / rate_);
  return std::max(std::chrono::duration_cast<clock::duration>(wait), clock::duration{1});
}

int retry_after_seconds(std::chrono::steady_clock::duration wait) {
  double seconds = std::chrono::duration<double>(wait).count();
  return std::max(1, static_cast<int>(std::ceil(seconds)));
}

} // namespace janus
