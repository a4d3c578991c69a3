#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

#include "apps/janus-check/check_options.hpp"
#include "apps/janus-check/runtime_launcher.hpp"
#include "http/platform_server.hpp"
#include "metrics/registry.hpp"
#include "runtime/docker_client.hpp"
#include "runtime/docker_runtime.hpp"
#include "runtime/netns_factory.hpp"

namespace janus::check {

/// The Docker engine as janusd runs isolated containers in it, for janus-check: janusd's Docker
/// runtime with its socket factory, janus-init and a platform server of its own that routes no
/// service (a platform call gets the answer janusd gives for a service it does not offer). The
/// runtime runs on the caller's io_context, where the check runs too. Its engine identity is
/// drawn per run, so two checks never touch each other's containers.
class isolated_docker {
public:
  /// Throws janus::config_error naming the option when isolated containers cannot run here
  /// (janus-init missing, no privilege to switch network namespaces: janus-check runs as root).
  isolated_docker(boost::asio::io_context& io, const check_options& options);

  /// Stops the socket factory, then removes what the runtime still tracks (forced). `io` must
  /// not run any more.
  ~isolated_docker();

  isolated_docker(const isolated_docker&) = delete;
  isolated_docker& operator=(const isolated_docker&) = delete;

  janus::runtime& backend() noexcept {
    return *runtime_;
  }

  /// The engine checks before the start, and memory figures from Docker's stats.
  runtime_extras extras(std::string image) const;

private:
  metrics::registry registry_;
  http::platform_server platform_;
  std::shared_ptr<netns_factory> sockets_;
  std::unique_ptr<docker_runtime> runtime_;
  docker::client api_;
};

} // namespace janus::check
