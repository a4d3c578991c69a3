#include "actors/readiness_schedule.hpp"

#include <algorithm>

namespace janus::actors {

std::chrono::milliseconds next_probe_delay(std::chrono::milliseconds probing_for) {
  return std::clamp(probing_for / 10, min_probe_delay, max_probe_delay);
}

} // namespace janus::actors
