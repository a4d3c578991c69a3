#pragma once

#include <caf/actor.hpp>

#include "http/broker.hpp"

namespace janus::actors {

/// The HTTP layer's broker, implemented by messages to the router: each call is one
/// asynchronous send, and the router's or pool's answer calls the handler on an actor thread.
class broker_bridge : public http::broker {
public:
  /// Sets the router; called once, before the HTTP server starts.
  void connect(caf::actor router);

  void acquire(http::acquire_request request, lease_handler on_lease) override;

  void release(const lease& held, lease_outcome outcome) override;

  void models(models_handler on_models) override;

  void readiness(ready_handler on_ready) override;

  void statuses(status_handler on_statuses) override;

private:
  caf::actor router_;
};

} // namespace janus::actors
