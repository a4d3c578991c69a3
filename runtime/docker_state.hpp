#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/config.hpp"
#include "runtime/docker_api.hpp"
#include "runtime/docker_client.hpp"
#include "runtime/docker_logs.hpp"
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

/// A container created ahead for the next start of its model (runtime::prepare): created, not
/// started, not known to any pool.
struct prepared_container {
  /// The short id, and the name janusd gave it (its platform grant's key).
  std::string id;
  std::string name;
  std::uint64_t seq = 0;
  /// generation_of() the spec it was made for, and the id of the image it was created from: a
  /// start whose spec or image differs does not take it.
  std::string generation;
  std::string image_id;
  /// What an isolated one runs and the platform variables its grant gave it.
  launch how;
};

/// Where the runtime's copy of each image stands ("present", "pulling", "pulled", "failed:
/// ..."), for the admin listing: written on the runtime's io_context, read from any thread.
class image_board {
public:
  void set(const std::string& image, std::string state);
  /// "" for an image not looked at yet.
  std::string get(const std::string& image) const;

private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> states_;
};

/// Told the end of making sure an image is there: nothing, or why it is not.
using image_handler = std::function<void(std::optional<error_info>)>;

/// A pull under way: everything that waits for it.
struct pull_waiters {
  std::vector<image_handler> waiting;
};

/// A pull that failed, kept for a moment: starts of the same image within it fail with the
/// same words instead of asking the registry again.
struct failed_pull {
  std::chrono::steady_clock::time_point at;
  std::string message;
};

/// A start() that waits for a start slot.
struct pending_start {
  container_spec spec;
  runtime::start_handler on_started;
  runtime::exit_handler on_exit;
  /// When start() was called, for the `wait` phase (or the `pull` phase when the image was
  /// looked at first).
  std::chrono::steady_clock::time_point asked;
  /// How long making sure of the image took, when it was looked at before the start queued.
  std::optional<std::chrono::microseconds> image_took;
};

/// The Docker runtime's state, shared by its flows (docker_starts, docker_events,
/// docker_reconcile) on one io_context: every member is touched on that io_context's thread
/// only. Coroutines hold a shared_ptr to it, so a flow still suspended when the runtime goes away
/// never touches freed memory.
struct docker_state : std::enable_shared_from_this<docker_state> {
  /// Isolated containers cannot start without `isolation.sockets` and `isolation.platform`.
  /// Containers' output goes to `container_output` (nullptr: it stays with Docker).
  docker_state(boost::asio::io_context& io, docker_config cfg, docker_isolation isolation,
               container_logs* container_output = nullptr);

  /// Drops a container that is gone (removed, or never started): its namespace handle, its
  /// platform endpoint and its log stream are closed on the way. Unknown ids are ignored.
  void forget(const std::string& id);

  /// Starts following the output of container `id` of `model` from `since_ns` (unix
  /// nanoseconds, 0: its first line), when this runtime has somewhere to put it.
  void follow_output(const std::string& id, const std::string& model, std::int64_t since_ns = 0);

  /// Ends a running container's life: its supervisor learns that it died now, and it is
  /// removed from the engine (and forgotten) after.
  void report_death(const std::string& id);

  /// What must be removed when the runtime goes: every tracked container, every prepared one
  /// and every create under way (by name). Closes every namespace handle, platform grant and log
  /// stream on the way.
  std::vector<std::string> leftovers();

  /// Whether container `id` (named `name`) is this run's: tracked, prepared, being created or
  /// being removed as a discarded prepared one.
  bool owns(const std::string& id, const std::string& name) const;

  boost::asio::io_context& io;
  const docker_config cfg;
  client api;
  const docker_isolation isolation;
  /// What isolated containers run, by image name; dropped when a container shows that its
  /// image changed.
  std::map<std::string, image_config> images;
  /// Pulls under way, by image (one per image at a time), and recent failures.
  std::map<std::string, pull_waiters> pulls;
  std::map<std::string, failed_pull> failed_pulls;
  /// Shared with the admin listing's threads.
  std::shared_ptr<image_board> board = std::make_shared<image_board>();
  /// Part of every container name, so that names never collide with an earlier run's.
  const std::string token;
  std::uint64_t next_seq = 1;
  std::unordered_map<std::string, tracked> containers;
  /// Names of containers whose create is under way (no id known yet).
  std::set<std::string> creating;
  /// Prepared containers by model, oldest first (docker_prepared.hpp); creates under way for
  /// prepares by model; and a count per model that discard_prepared() raises, so that a prepare
  /// under way at a discard removes what it made.
  std::map<std::string, std::deque<prepared_container>> prepared;
  std::map<std::string, int> preparing;
  std::map<std::string, std::uint64_t> prepare_epochs;
  /// Prepared containers being removed (id to name): still this run's until they are gone.
  std::map<std::string, std::string> discarding;
  std::deque<pending_start> queue;
  int starts_running = 0;
  /// The engine could not be reached (the events stream was lost, or a call got no answer),
  /// and has not answered since.
  bool engine_trouble = false;
  bool pinging = false;
  /// Told when the engine answers again after trouble (docker_events: engine_answers).
  runtime::available_handler on_available;
  /// Follows the running containers' output into janusd's log; null without container_logs.
  /// Every tracked container that started (or was adopted) is followed until forget().
  std::unique_ptr<docker_logs> output;
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
