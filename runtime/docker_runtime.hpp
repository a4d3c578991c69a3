#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

#include "model/config.hpp"
#include "runtime/container_logs.hpp"
#include "runtime/docker_api.hpp"
#include "runtime/netns_factory.hpp"
#include "runtime/platform_listeners.hpp"
#include "runtime/runtime.hpp"

namespace janus {

namespace docker {
struct docker_state;
} // namespace docker

/// What the Docker runtime needs for isolated containers: the socket factory that makes sockets
/// inside their network namespaces, the platform server that takes each one's endpoint, and
/// what they are created with (platform port, janus-init). Without a factory and a platform
/// server, isolated containers fail to start (saying so); bridged ones need neither.
struct docker_isolation {
  std::shared_ptr<netns_factory> sockets;
  std::shared_ptr<platform_listeners> platform;
  docker::create_options options;
};

/// Runs each container in the Docker engine, through the Engine API (1.41) on its unix socket.
/// A container is created with the engine's labels (`janus.engine`, `janus.model`, and
/// `janus.generation`, a hash of what it runs), the model's network, limits and a hardened host
/// config; it is started, and inspected. An isolated container (NetworkMode none, nothing
/// published) is reached inside its own network namespace, opened from its process: its
/// endpoint is its own 127.0.0.1:8080 with that namespace. A bridged one publishes 8080/tcp on
/// the host's 127.0.0.1 at a port the daemon picks: its endpoint is 127.0.0.1:<host port>.
/// Readiness is the caller's HTTP probe. A stop is a docker stop with the grace period, then a
/// forced remove. Before a start the image is pulled from its registry as the spec's `pull`
/// says (docker_images.hpp), outside the start slots.
///
/// The events stream of the engine's containers tells at once when one dies or is OOM-killed;
/// after the daemon restarts the stream reconnects, a re-list catches what it missed, and the
/// availability handler hears that the engine is back.
/// reconcile() adopts or removes what earlier runs with the same engine identity left. Starts
/// under way at once are bounded, every call has a timeout, and a daemon error reaches the
/// caller in the daemon's own words. All state lives on one io_context: public calls post to it.
/// prepare() creates containers ahead, which the next starts of their model take (no create on
/// the cold path).
/// The flows live apart, by responsibility: docker_starts (start and stop), docker_prepared
/// (containers created ahead), docker_events (events and re-lists), docker_reconcile
/// (adoption); docker_api is the pure codec.
class docker_runtime : public runtime {
public:
  /// The caller stops `isolation.sockets` before the executors its answers go to end. Each
  /// container's output (its Engine API log stream, followed from its start, or from its
  /// adoption on) goes to `container_output`, which outlives the runtime; nullptr: it stays
  /// with Docker.
  docker_runtime(boost::asio::io_context& io, docker_config cfg, docker_isolation isolation,
                 container_logs* container_output = nullptr);

  /// Removes (forced) every container still tracked, so none outlives the engine even when the
  /// graceful stop did not finish. `io` must not run any more (the engine stops it first).
  ~docker_runtime() override;

  std::string name() const override;

  void start(container_spec spec, start_handler on_started, exit_handler on_exit) override;

  void stop(const std::string& id, std::chrono::milliseconds grace) override;

  void list(list_handler on_list) override;

  /// Checks that a Docker engine answers (`GET /_ping`, API 1.41 or newer), opens the events
  /// stream, then adopts or removes the containers of earlier runs (see runtime::reconcile).
  void reconcile(std::vector<reconcile_entry> wanted, reconcile_handler on_done) override;

  void adopt(const container_info& container, exit_handler on_exit) override;

  bool can_pause() const override;

  /// True: a container is created ahead (docker_prepared.hpp), so that a cold start skips the
  /// create.
  bool can_prepare() const override;

  void prepare(container_spec spec, int ahead, prepare_handler on_done) override;

  void discard_prepared(const std::string& model) override;

  /// `POST /containers/{id}/pause` (the cgroup freezer).
  void pause(const std::string& id, pause_handler on_done) override;

  /// `POST /containers/{id}/unpause`.
  void resume(const std::string& id, pause_handler on_done) override;

  /// Calls `on_available` when the engine answers again after an outage: when the events stream
  /// reopens (tried every second at most while the engine is down) and the containers that died
  /// meanwhile were reported, or when a ping (every second after a call got no answer) answers.
  void watch_availability(available_handler on_available) override;

  /// Where the engine's copy of `image` stands (see docker_images.hpp).
  std::string image_state(const std::string& image) const override;

  /// The containers whose log stream is followed now (none once every container is gone).
  std::size_t log_streams() const override;

private:
  boost::asio::io_context& io_;
  std::shared_ptr<docker::docker_state> state_;
};

} // namespace janus
