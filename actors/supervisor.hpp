#pragma once

#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "actors/messages.hpp"

namespace janus::actors {

class container_metrics;
class model_container_metrics;

/// What a supervisor needs from the engine.
struct supervisor_deps {
  runtime* containers = nullptr;
  prober probe;
  /// The engine's health checker; may be invalid (no periodic probes).
  caf::actor health;
  /// Container start, stop and health metrics by model; may be null (not counted).
  container_metrics* metrics = nullptr;
};

/// The state of one container's supervisor.
struct supervisor_state {
  enum class phase { starting, probing, ready, pausing, paused, resuming, stopping };

  phase current = phase::starting;
  container_info container;
  stop_reason reason = stop_reason::exited;
  bool probe_in_flight = false;
  /// When the start (or adoption) began, for the start duration.
  caf::actor_clock::time_point began;
  /// When the runtime reported the container started: readiness probing began.
  caf::actor_clock::time_point started;
  /// Readiness probes sent so far.
  int probes = 0;
  /// The start's result was counted (each start counts exactly once).
  bool start_counted = false;
  /// The container became ready (served) at some point.
  bool was_ready = false;
  /// When the current resume began, and which one it is (a late deadline of an earlier resume
  /// is ignored).
  caf::actor_clock::time_point resume_began;
  /// When the runtime's resume ended (the health check began).
  caf::actor_clock::time_point thawed;
  std::uint64_t resumes = 0;
  /// The model's container metrics, held until the supervisor quits: a removed model's series
  /// stay while its containers are counted.
  std::shared_ptr<model_container_metrics> counts;

  static inline const char* name = "janus.supervisor";
};

/// One container's lifecycle through the runtime: start → readiness (HTTP health 200, not a TCP
/// connect) → ready → (unhealthy, exited, stopped by its pool) → gone. Between ready and its end
/// the pool may pause an idle container (`pause_atom`: not health-probed while paused, it answers
/// `paused_atom`) and resume it (`resume_atom`: thawed, then one health check must pass within
/// `startup_timeout` before it reports `resumed_atom` and is probed periodically again; a resume
/// that fails or is not healthy in time stops the container, as unhealthy). Reports `ready_atom` and,
/// exactly once at the end, `gone_atom` to its pool, then quits. Never blocks: the runtime and
/// the probes answer by message.
caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self, caf::actor pool,
                         std::uint64_t key, container_spec spec, model_config model,
                         supervisor_deps deps);

/// The same lifecycle for a container that an earlier run of the engine left running: it adopts
/// `container` through the runtime instead of starting one, and goes straight to the readiness
/// probes (within `startup_timeout`, as a new container); one that never answers healthy is
/// stopped and reported gone like a failed start.
caf::behavior adopting_supervisor(caf::stateful_actor<supervisor_state>* self, caf::actor pool,
                                  std::uint64_t key, container_info container, model_config model,
                                  supervisor_deps deps);

} // namespace janus::actors
