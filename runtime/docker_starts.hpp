#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/docker_state.hpp"

/// The Docker runtime's start and stop flows. Starts under way at once are bounded by
/// `docker.max_parallel_starts` (the rest wait in the state's queue, their wait timed); a start
/// is create (or takes a prepared container, docker_prepared.hpp), start, then inspects until
/// the container is reachable; a stop is a docker stop
/// with the grace period, a kill when that fails, then a forced remove. Everything runs on the
/// state's io_context.
namespace janus::docker {

/// A container created (not started) for a start or a prepare.
struct created_container {
  /// The short id, and the name janusd gave it (its platform grant's key).
  std::string id;
  std::string name;
  std::uint64_t seq = 0;
  /// What an isolated one runs and the platform variables its grant gave it.
  launch how;
  /// How long reading the image (when it was not cached) and the create took.
  std::vector<start_phase> phases;
};

/// Creates a container of `spec` without starting it: for an isolated one, what it runs (from
/// its image) and its platform grant (platform_listeners::prepare), then `POST
/// /containers/create` with the engine's labels. On failure nothing is left behind, neither the
/// container nor the grant; the error says why in the engine's words.
boost::asio::awaitable<result<created_container>> create_container(
  std::shared_ptr<docker_state> state, container_spec spec);

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
