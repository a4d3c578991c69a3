#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace janus {

/// One container of a pool, as the admin API shows it.
struct container_status {
  std::string id;
  /// starting, ready, draining, stopping, pausing, paused or resuming.
  std::string state;
  int inflight = 0;
  std::chrono::milliseconds age{0};
  std::uint64_t served = 0;
  /// The loopback port the engine reaches it on; 0 until known.
  std::uint16_t port = 0;
};

/// A snapshot of one model's pool: what /metrics, logs, tests and the admin API read.
struct pool_status {
  std::string model;
  int min_warm = 0;
  int max_containers = 0;
  int starting = 0;
  int ready = 0;
  /// Draining or stopping: out of rotation.
  int draining = 0;
  /// Paused or pausing (the paused tier); resuming ones count as starting.
  int paused = 0;
  int inflight = 0;
  int waiting = 0;
  bool warm_reached = false;
  std::uint64_t starts = 0;
  std::uint64_t start_failures = 0;
  std::uint64_t served = 0;
  /// Containers paused, and resumed, since the pool began.
  std::uint64_t pauses = 0;
  std::uint64_t resumes = 0;
  // -- policy (admin API) --
  int max_concurrency = 0;
  std::chrono::milliseconds idle_ttl{0};
  std::uint64_t max_requests = 0;
  std::chrono::milliseconds max_age{0};
  int queue_limit = 0;
  std::chrono::milliseconds queue_timeout{0};
  /// The paused tier: idle time before a container is paused, and the most paused at once (0
  /// when the runtime cannot pause).
  std::chrono::milliseconds pause_after{0};
  int max_paused = 0;
  /// The containers the recent demand peak needs (demand-following pre-warm, docs/pool.md).
  int warm_target = 0;
  /// Prepared containers: how many the pool keeps created ahead (0 when its runtime cannot
  /// prepare), how many are prepared now, and whether a prepare is under way (docs/pool.md).
  int prepare_ahead = 0;
  int prepared = 0;
  bool preparing = false;
  /// The model's image (docker), and where the runtime's copy of it stands: "", "present",
  /// "pulling", "pulled" or "failed: <the registry's words>".
  std::string image;
  std::string image_state;
  std::vector<container_status> containers;
};

} // namespace janus
