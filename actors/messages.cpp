#include "actors/messages.hpp"

namespace janus::actors {

std::string_view to_string(stop_reason reason) {
  switch (reason) {
    case stop_reason::idle:
      return "idle";
    case stop_reason::recycled:
      return "recycled";
    case stop_reason::unhealthy:
      return "unhealthy";
    case stop_reason::exited:
      return "exited";
    case stop_reason::start_failed:
      return "start_failed";
    case stop_reason::startup_timeout:
      return "startup_timeout";
    case stop_reason::failing:
      return "failing";
    case stop_reason::shutdown:
      return "shutdown";
  }
  return "unknown";
}

} // namespace janus::actors
