#pragma once

#include <functional>

#include "model/result.hpp"

namespace janus {

/// A container's own network namespace as the request path sees it: a source of TCP sockets
/// made inside it. Such a socket then connects to the container's 127.0.0.1 from any thread of
/// janusd (a socket keeps the namespace it was made in), so the container needs no published
/// port. Implemented by runtime/netns.hpp (one per isolated container); safe to call from any
/// thread; never blocks.
class netns_sockets {
public:
  using socket_handler = std::function<void(result<int>)>;

  virtual ~netns_sockets() = default;

  /// A spare socket made earlier (unconnected TCP/IPv4, non-blocking, close-on-exec), or -1 when
  /// none is ready now. The caller owns the descriptor. Never waits; asks for refills itself.
  virtual int take_spare() = 0;

  /// Makes a new socket on the socket factory's thread; `done` runs once, on that thread (or on
  /// the caller's when the factory has stopped), with the descriptor (the caller owns it) or why
  /// none could be made (the container is gone, janusd lacks the privilege, ...).
  virtual void make_socket(socket_handler done) = 0;
};

} // namespace janus
