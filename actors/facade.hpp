#pragma once

#include <caf/stateful_actor.hpp>

#include <chrono>

#include "actors/messages.hpp"
#include "http/server.hpp"

namespace janus::actors {

struct facade_state {
  http::server* server = nullptr;
  caf::actor router;
  bool stopping = false;

  static inline const char* name = "janus.facade";
};

/// Owns the HTTP server's lifecycle: starts it, and on `shutdown_atom` drains it (stop
/// accepting, let requests in flight finish within `drain_timeout`), then shuts the router down
/// (every container stopped within its grace period) and replies. Spawned detached: draining
/// waits on the server's threads, and it must not hold a scheduler thread while it does.
caf::behavior facade(caf::stateful_actor<facade_state>* self, http::server* server,
                     caf::actor router, std::chrono::milliseconds drain_timeout,
                     std::chrono::milliseconds stop_timeout);

} // namespace janus::actors
