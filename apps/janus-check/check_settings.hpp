#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace janus::check {

/// How a check runs, the same for janus-check and for janusd's `admin.require_conformance`
/// (which takes the model's startup_timeout and stop_grace).
struct check_settings {
  /// The `model` of the chat requests the check sends.
  std::string model = "janus-check";
  /// How long the container has to answer `GET /health` with 200 after its start.
  std::chrono::milliseconds startup_timeout = std::chrono::seconds(30);
  /// The grace period between SIGTERM and the kill.
  std::chrono::milliseconds stop_grace = std::chrono::seconds(10);
  /// The deadline of each request to the container, from the connect to the last byte.
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
  /// The most memory the container may use once ready; without it idle_memory is informational.
  std::optional<std::uint64_t> max_idle_memory;
};

/// The pause between two health probes while the container boots.
inline constexpr std::chrono::milliseconds probe_interval{50};

/// The longest a single health probe may take (less when the startup timeout is nearer).
inline constexpr std::chrono::milliseconds probe_timeout{2000};

/// The longest a check can take, from its settings and `engine_call`, the bound of one call to
/// the container engine: seven engine calls (create, start, inspect, stats, stop, inspect,
/// remove), the startup timeout and one last probe, five requests and the grace period. janusd
/// documents it as the longest an admin add waits.
inline std::chrono::milliseconds longest_check(const check_settings& settings,
                                               std::chrono::milliseconds engine_call) {
  return 7 * engine_call + settings.startup_timeout + probe_timeout + 5 * settings.request_timeout
         + settings.stop_grace;
}

} // namespace janus::check
