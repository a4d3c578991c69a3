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

/// An Engine API call got no answer: the engine may be down. Pings it every second until it
/// answers (unless a ping loop runs already), then tells the pools (engine_answers).
void note_engine_trouble(const std::shared_ptr<docker_state>& state);

/// The engine answers again after trouble: the pools may start at once (their back-off was the
/// engine's outage, not their models' fault); `state.on_available` hears it once per outage.
void engine_answers(docker_state& state);

} // namespace janus::docker
