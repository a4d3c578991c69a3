#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "apps/janus-check/check_settings.hpp"
#include "model/config.hpp"
#include "model/lease.hpp"
#include "model/result.hpp"

namespace janus::check {

/// What `janus-check` was asked to do, read from its command line by parse_check_options.
/// Exactly one of `image` and `url` is set unless `help` or `version` is.
struct check_options {
  /// The image to run in the Docker engine and check.
  std::string image;
  /// `--url`: the address of a server that already runs (loopback only); nothing is started.
  std::string url;
  endpoint url_target;
  /// `--json`: the report as JSON instead of the table.
  bool json = false;
  check_settings settings;
  /// The container's limits (`--memory`, `--cpus`, `--pids-limit`), as a model's `resources`.
  resource_limits resources;
  /// `--env NAME=VALUE`, on top of the platform variables janusd gives every container.
  std::map<std::string, std::string> env;
  /// `--docker-socket`: the Docker Engine API's unix socket.
  std::string docker_socket = docker_config{}.socket;
  /// `--network`: how the container is networked, as a janusd model's `network`. Isolated (the
  /// default, as janusd's): no interface but its own loopback, reached through its namespace,
  /// started with janus-init and given a platform endpoint; needs root. Bridge: published on
  /// the host's 127.0.0.1.
  network_mode network = network_mode::isolated;
  /// `--init`: janus-init on the host (isolated only); empty = janus-init beside janus-check.
  std::string docker_init;
  /// The port of the platform endpoint inside an isolated container (a config's platform.port).
  std::uint16_t platform_port = platform_config{}.port;
  /// The bound of each call to the Docker engine (`--docker-timeout`).
  std::chrono::milliseconds docker_timeout = docker_config{}.call_timeout;
  /// `--config FILE --model NAME`: check model NAME as that janusd config runs it.
  std::string config_file;
  bool help = false;
  bool version = false;
};

/// Reads janus-check's arguments (without the program name). An invalid_request error names the
/// option and what is wrong (the caller prints it with the usage and exits 2). With `--config`,
/// the file is read and the model's image, env, resources, startup_timeout and stop_grace are
/// taken, each overridable by its option.
result<check_options> parse_check_options(const std::vector<std::string>& args);

/// The address of `--url`: `http://` with a numeric loopback address (127.0.0.0/8, `[::1]`) or
/// `localhost`, a port, and no path but "/". janus-check sends nothing to any other address.
result<endpoint> parse_loopback_url(std::string_view url);

/// The `--help` text.
std::string usage_text();

} // namespace janus::check
