#pragma once

#include <caf/actor.hpp>

#include "actors/lease_gate.hpp"
#include "http/broker.hpp"

namespace janus::actors {

/// The HTTP layer's broker. Leases come from the pools' gates on the calling thread when a slot
/// is free (actors/lease_gate.hpp) and by an asynchronous message to the router otherwise; the
/// router's or pool's answer calls the handler on an actor thread.
class broker_bridge : public http::broker {
public:
  /// Sets the router and the directory of its pools' gates; called once, before the HTTP server
  /// starts.
  void connect(caf::actor router, std::shared_ptr<pool_directory> directory);

  std::optional<lease> try_acquire(const http::acquire_request& request) override;

  void acquire(http::acquire_request request, lease_handler on_lease) override;

  /// Sets the request's flag, then tells its pool directly (not through the router): a cancel
  /// that overtakes its acquire finds the flag set when the acquire arrives.
  void cancel(const http::acquire_request& request) override;

  std::shared_ptr<const http::fallback_target> fallback_of(const std::string& model) override;

  void release(const lease& held, lease_outcome outcome) override;

  void models(models_handler on_models) override;

  void readiness(ready_handler on_ready) override;

  void statuses(status_handler on_statuses) override;

private:
  caf::actor router_;
  std::shared_ptr<pool_directory> directory_;
};

} // namespace janus::actors
