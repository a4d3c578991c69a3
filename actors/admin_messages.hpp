#pragma once

#include <caf/all.hpp>

#include <string>

#include "actors/reply_once.hpp"
#include "http/admin_broker.hpp"
#include "model/config.hpp"
#include "model/config_reload.hpp"

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

/// `configs_atom`: the running models' settings.
struct configs_msg {
  reply_once<result<std::vector<model_config>>> reply;
};

/// How a reload's plan was applied.
struct reload_applied {
  /// Changed models whose new pool took over before it reached min_warm (at the deadline: the
  /// new model's startup_timeout); its first requests may wait for a container to start.
  std::vector<std::string> late;
  /// Changed models whose new pool stopped before it took over: they keep their old settings.
  std::vector<std::string> failed;
};

/// `reload_atom`: a reload's plan (model/config_reload.hpp).
struct reload_msg {
  model_reload_plan plan;
  reply_once<result<reload_applied>> reply;
};

} // namespace janus::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::scale_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::drain_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::add_model_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::remove_model_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::configs_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::reload_msg)
