#pragma once

#include <caf/all.hpp>

#include <string>

#include "http/admin_broker.hpp"
#include "model/config.hpp"

/// The admin API's messages to the router and the pools (atoms in actors/messages.hpp).
namespace janus::actors {

/// `scale_atom`: a pool's new size policy and the callback that receives its new status.
struct scale_msg {
  std::string model;
  scale_request change;
  http::admin_broker::status_handler reply;
};

/// `drain_atom`: a rolling restart of a pool.
struct drain_msg {
  std::string model;
  http::admin_broker::drain_handler reply;
};

/// `add_model_atom`: a model registered at run time.
struct add_model_msg {
  model_config model;
  http::admin_broker::done_handler reply;
};

/// `remove_model_atom`: a model to remove.
struct remove_model_msg {
  std::string model;
  http::admin_broker::done_handler reply;
};

} // namespace janus::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::scale_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::drain_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::add_model_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::remove_model_msg)
