#pragma once

#include <cstdint>
#include <string>

namespace janus {

/// A snapshot of one model's pool: what /metrics, logs, tests and the admin API read.
struct pool_status {
  std::string model;
  int min_warm = 0;
  int max_containers = 0;
  int starting = 0;
  int ready = 0;
  /// Draining or stopping: out of rotation.
  int draining = 0;
  int inflight = 0;
  int waiting = 0;
  bool warm_reached = false;
  std::uint64_t starts = 0;
  std::uint64_t start_failures = 0;
  std::uint64_t served = 0;
};

} // namespace janus
