#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace janus::baseline {

/// The outcome of one health check: pass or fail, and why it failed.
struct health_check_result {
  bool healthy = false;
  std::string detail;
};

/// Sends `GET /health` to 127.0.0.1:`port` once and passes when it answers 200 within
/// `timeout`. `janus-baseline --health-check` runs it for Docker's HEALTHCHECK, inside the
/// container, where the image has no curl.
health_check_result check_health(std::uint16_t port, std::chrono::milliseconds timeout);

} // namespace janus::baseline
