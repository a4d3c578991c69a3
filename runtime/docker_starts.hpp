#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "runtime/docker_state.hpp"

/// The Docker runtime's start and stop flows. Starts under way at once are bounded by
/// `docker.max_parallel_starts` (the rest wait in the state's queue, their wait timed); a start
/// is create, start, then inspects until the container is reachable; a stop is a docker stop
/// with the grace period, a kill when that fails, then a forced remove. Everything runs on the
/// state's io_context.
namespace janus::docker {

/// Queues a start and launches it as soon as a start slot is free. `next.on_started` runs once;
/// `next.on_exit` runs once when the container ends, unless the start failed.
void start_container(const std::shared_ptr<docker_state>& state, pending_start next);

/// Stops a running container within `grace`; its on_exit reports the end. Ids that are not
/// running are ignored.
void stop_container(const std::shared_ptr<docker_state>& state, const std::string& id,
                    std::chrono::milliseconds grace);

/// Pauses (`pause` true: POST /containers/{id}/pause) or resumes (unpause) a running
/// container, within the call timeout; `on_done` runs once with nothing or what failed.
void pause_container(const std::shared_ptr<docker_state>& state, const std::string& id, bool pause,
                     runtime::pause_handler on_done);

} // namespace janus::docker
