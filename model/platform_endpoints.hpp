#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "model/result.hpp"

namespace janus {

/// Who a platform endpoint belongs to: every call that arrives on it is this container's.
struct endpoint_owner {
  std::string model;
  std::string container;
};

/// An open platform endpoint: where the container reaches it, the token it must present, and
/// the variables of the container contract that point at it (JANUS_PLATFORM_URL, ...).
struct platform_grant {
  std::uint16_t port = 0;
  /// A random per-container token (128 bits or more, hex): worthless anywhere but here.
  std::string token;
  std::map<std::string, std::string> env;
};

/// What a runtime needs of the platform server: an endpoint per container, opened before the
/// container starts and closed when it is gone. Implementations are safe to call from any
/// thread and never block on the network.
class platform_endpoints {
public:
  virtual ~platform_endpoints() = default;

  /// Opens an endpoint for `owner` on a new listener on a free loopback port of this host.
  virtual result<platform_grant> open(const endpoint_owner& owner) = 0;

  /// Opens an endpoint for `owner` on `listen_fd`, a listening TCP socket that the caller made
  /// (e.g. inside the container's network namespace); the endpoint owns it from now on, also
  /// when opening fails.
  virtual result<platform_grant> open_on(const endpoint_owner& owner, int listen_fd) = 0;

  /// Closes the endpoint of `container` and its live connections; unknown ids are ignored.
  virtual void close(const std::string& container) = 0;
};

} // namespace janus
