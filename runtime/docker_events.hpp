#pragma once

#include <memory>

#include "runtime/docker_client.hpp"
#include "runtime/docker_state.hpp"

/// The Docker runtime's view of what happens to its containers: the engine's events stream
/// (create, die and oom of the containers labelled with this engine's id) read for the
/// runtime's whole life, reopened when it ends (the daemon restarted) from a second before it
/// was lost, and a re-list after each reopening that catches what the stream missed.
namespace janus::docker {

/// Reads `stream` (already open) and then every reopened one, for as long as the runtime
/// lives: deaths of running containers are reported at once, creates that no run of this
/// engine owns are removed. Spawn it on the state's io_context.
boost::asio::awaitable<void> watch_events(std::shared_ptr<docker_state> state,
                                          std::shared_ptr<response_stream> stream);

} // namespace janus::docker
