#pragma once

#include <caf/actor.hpp>

#include "http/admin_broker.hpp"

namespace janus::actors {

/// The admin API's broker, implemented by messages to the router: each call is one asynchronous
/// send, and the router's or pool's answer calls the handler on an actor thread.
class admin_bridge : public http::admin_broker {
public:
  /// Sets the router; called once, before the HTTP server starts.
  void connect(caf::actor router);

  void scale(std::string model, scale_request change, status_handler on_done) override;

  void drain(std::string model, drain_handler on_done) override;

  void add_model(model_config model, done_handler on_done) override;

  void remove_model(std::string model, done_handler on_done) override;

private:
  caf::actor router_;
};

} // namespace janus::actors
