#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "model/result.hpp"

namespace janus {

/// The container a platform endpoint belongs to: whatever arrives on the endpoint comes from it.
struct platform_owner {
  std::string model;
  /// The container's name, janusd's own choice, unique for the engine's life and known before
  /// the container exists: the key of prepare(), serve() and close().
  std::string name;
  /// The container's id (`docker ps`), once it exists; empty in prepare().
  std::string container_id;
};

/// What the Docker runtime needs of the platform server for its isolated containers: the
/// variables that point a container at its endpoint, before the container is created; then the
/// endpoint itself, served on a listening socket the runtime made inside the container's
/// network namespace on 127.0.0.1:<platform.port>, before the container's program starts (the
/// container's first program, janus-init, waits until the endpoint accepts). Implemented in
/// apps/janusd; every call is quick, safe from the runtime's thread, and never blocks on I/O.
class platform_listeners {
public:
  virtual ~platform_listeners() = default;

  /// The variables a new container of `owner` gets (JANUS_PLATFORM_URL
  /// `http://127.0.0.1:<port>`, its token, ...): called before its create. What it keeps for the
  /// container is forgotten by close(owner.name).
  virtual std::map<std::string, std::string> prepare(const platform_owner& owner,
                                                     std::uint16_t port) = 0;

  /// Serves `owner`'s endpoint on `listen_fd`, a listening TCP socket (non-blocking) made inside
  /// the container's network namespace; owns it from now on, also when it fails. `env`: the
  /// container's variables (what prepare() gave it, or what an adopted container of an earlier
  /// run of janusd holds). An error says why the endpoint cannot be served.
  virtual std::optional<error_info> serve(const platform_owner& owner,
                                          const std::map<std::string, std::string>& env,
                                          int listen_fd) = 0;

  /// Closes the endpoint of container `name` and its connections, and forgets what prepare()
  /// kept; unknown names are ignored. The runtime calls it on every path its container goes
  /// by: death, stop, a failed start, the runtime's end.
  virtual void close(const std::string& name) = 0;
};

} // namespace janus
