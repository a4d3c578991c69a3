#pragma once

#include <caf/all.hpp>

#include <string>

#include "actors/reply_once.hpp"
#include "http/admin_broker.hpp"
#include "model/config.hpp"

/// The admin API's messages to the router and the pools (atoms in actors/messages.hpp). Each
/// carries its reply callback as a reply_once: a message dropped unanswered answers an error.
namespace janus::actors {

/// `scale_atom`: a pool's new size policy and the callback that receives its new status.
struct scale_msg {
  std::string model;
  scale_request change;
  reply_once<result<pool_status>> reply;
};

/// `drain_atom`: a rolling restart of a pool.
struct drain_msg {
  std::string model;
  reply_once<result<drain_report>> reply;
};

/// `add_model_atom`: a model registered at run time.
struct add_model_msg {
  model_config model;
  reply_once<result<std::string>> reply;
};

/// `remove_model_atom`: a model to remove.
struct remove_model_msg {
  std::string model;
  reply_once<result<std::string>> reply;
};

} // namespace janus::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::scale_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::drain_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::add_model_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::remove_model_msg)
