#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "apps/janus-check/container_launcher.hpp"
#include "runtime/docker_client.hpp"
#include "runtime/runtime.hpp"

namespace janus::check {

/// The label every container janus-check starts carries (`docker ps --filter label=janus.check`).
inline constexpr std::string_view check_label = "janus.check";

/// Whether a container of `image` can be started: the engine answers (`GET /_ping`, else
/// engine_unreachable) and has the image (`GET /images/{image}/json`, else image_missing); an
/// empty `image` is not looked for (janusd's runtime pulls it at the start).
boost::asio::awaitable<launch_outcome> docker_preflight(const docker::client& api,
                                                        std::string image);

/// The memory of Docker container `id` (id or name) now:
/// `GET /containers/{id}/stats?stream=false&one-shot=true`.
boost::asio::awaitable<memory_observation> docker_memory(const docker::client& api, std::string id);

/// Runs the image on the Docker bridge: through the Engine API on its unix
/// socket, with docker::create_body (the spec's limits, read-only root with a tmpfs /tmp, no
/// capabilities, no-new-privileges, an init process), port 8080 published on 127.0.0.1 at a port
/// the daemon picks, reached there. The container is named `janus-check-<random>` and labelled
/// `janus.check=1` (not `janus.engine`, so no janusd adopts or removes it). Nothing is pulled.
/// This is the piece to swap for janusd's way once its containers get their own network
/// namespaces (NetworkMode none, sockets made inside the namespace).
class docker_launcher : public container_launcher {
public:
  /// `spec`: the image, env, labels and limits to run with (janus.check=1 is added);
  /// `call_timeout`: the bound of each Engine API call (a stop waits its grace on top).
  docker_launcher(container_spec spec, std::string socket, std::chrono::milliseconds call_timeout);

  std::string subject() const override;
  std::string description() const override;
  bool started_by_check() const override;

  /// `GET /_ping`, create, start, then inspects until the host port is published.
  boost::asio::awaitable<launch_outcome> launch() override;
  boost::asio::awaitable<result<boost::asio::ip::tcp::socket>> connect(
    std::chrono::milliseconds timeout) override;
  boost::asio::awaitable<std::string> ended() override;
  /// `GET /containers/{id}/stats?stream=false&one-shot=true`.
  boost::asio::awaitable<memory_observation> memory() override;
  /// `POST /containers/{id}/stop?t=<grace in whole seconds, rounded up>`, timed, then inspect.
  boost::asio::awaitable<stop_observation> stop(std::chrono::milliseconds grace) override;
  /// `DELETE /containers/{id}?force=true` (by name when the create got no answer).
  boost::asio::awaitable<void> remove() override;
  void remove_now() override;

  /// The container's name, e.g. "janus-check-1a2b3c4d".
  const std::string& name() const noexcept {
    return name_;
  }

private:
  container_spec spec_;
  docker::client api_;
  std::string name_;
  /// The short id once created.
  std::string id_;
  /// A create was asked for: there may be a container to remove (by id, else by name).
  bool created_ = false;
  bool removed_ = false;
  std::optional<std::uint16_t> host_port_;
};

} // namespace janus::check
