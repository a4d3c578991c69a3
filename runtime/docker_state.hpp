#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/config.hpp"
#include "runtime/docker_api.hpp"
#include "runtime/docker_client.hpp"
#include "runtime/docker_runtime.hpp"
#include "runtime/netns.hpp"
#include "runtime/netns_factory.hpp"
#include "runtime/platform_listeners.hpp"
#include "runtime/runtime.hpp"

namespace janus::docker {

/// Where one container of the Docker runtime is in its life.
enum class phase {
  /// Created, being started; nobody has its id yet.
  starting,
  /// Started (or adopted) and owned by a supervisor.
  running,
  /// Found by reconciliation and offered for adoption; not adopted yet.
  offered,
  /// Being stopped by its supervisor.
  stopping,
  /// Died; being removed.
  removing,
};

/// One container the runtime tracks, from its create (or its discovery by reconciliation) to
/// its removal.
struct tracked {
  std::string model;
  /// The container's name, as janusd chose it.
  std::string name;
  phase state = phase::starting;
  endpoint target;
  /// An isolated container's network namespace (also in `target`); closed when it is forgotten.
  std::shared_ptr<netns> ns;
  runtime::exit_handler on_exit;
  /// Orders tracked containers: a re-list judges only those created before it was asked for.
  std::uint64_t seq = 0;
  bool oom = false;
  bool died = false;
  int exit_code = -1;
  std::string description;
  /// When stop() was asked and with which grace, and when the die event came: a SIGKILL
  /// before the grace ran out was not ours.
  std::chrono::steady_clock::time_point stop_asked{};
  std::chrono::milliseconds grace{0};
  std::chrono::steady_clock::time_point died_at{};
};

/// A start() that waits for a start slot.
struct pending_start {
  container_spec spec;
  runtime::start_handler on_started;
  runtime::exit_handler on_exit;
  /// When start() was called, for the `wait` phase.
  std::chrono::steady_clock::time_point asked;
};

/// The Docker runtime's state, shared by its flows (docker_starts, docker_events,
/// docker_reconcile) on one io_context: every member is touched on that io_context's thread
/// only. Coroutines hold a shared_ptr to it, so a flow still suspended when the runtime goes away
/// never touches freed memory.
struct docker_state : std::enable_shared_from_this<docker_state> {
  /// Isolated containers cannot start without `isolation.sockets` and `isolation.platform`.
  docker_state(boost::asio::io_context& io, docker_config cfg, docker_isolation isolation);

  /// Drops a container that is gone (removed, or never started): its namespace handle and its
  /// platform endpoint are closed on the way. Unknown ids are ignored.
  void forget(const std::string& id);

  /// Ends a running container's life: its supervisor learns that it died now, and it is
  /// removed from the engine (and forgotten) after.
  void report_death(const std::string& id);

  /// What must be removed when the runtime goes: every tracked container and every create
  /// under way (by name). Closes every namespace handle on the way.
  std::vector<std::string> leftovers();

  boost::asio::io_context& io;
  const docker_config cfg;
  client api;
  const docker_isolation isolation;
  /// What isolated containers run, by image name; dropped when a container shows that its
  /// image changed.
  std::map<std::string, image_config> images;
  /// Part of every container name, so that names never collide with an earlier run's.
  const std::string token;
  std::uint64_t next_seq = 1;
  std::unordered_map<std::string, tracked> containers;
  /// Names of containers whose create is under way (no id known yet).
  std::set<std::string> creating;
  std::deque<pending_start> queue;
  int starts_running = 0;
  /// The engine could not be reached (the events stream was lost, or a call got no answer),
  /// and has not answered since.
  bool engine_trouble = false;
  bool pinging = false;
  /// Told when the engine answers again after trouble (docker_events: engine_answers).
  runtime::available_handler on_available;
};

/// The endpoint of a running container as `inspected` shows it: the host port a bridged one
/// publishes, or the network namespace of an isolated one, opened from its process (its spares
/// are being made when this returns). An error follows "container X".
result<endpoint> endpoint_of(docker_state& state, const container_state& inspected,
                             network_mode network);

/// Makes `owner`'s platform endpoint: a listener on 127.0.0.1:<platform port> inside `ns`,
/// handed to the platform server with the container's variables `env`. An error follows
/// "container X".
boost::asio::awaitable<std::optional<error_info>> open_platform_endpoint(
  std::shared_ptr<docker_state> state, std::shared_ptr<netns> ns, platform_owner owner,
  std::map<std::string, std::string> env);

/// Removes one container (forced, so a running one is killed first); a container that is gone
/// already counts as removed. Touches nothing but its arguments, so it may outlive the runtime.
boost::asio::awaitable<bool> remove_container(client api, std::string id);

} // namespace janus::docker
