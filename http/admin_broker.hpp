#pragma once

#include <functional>
#include <optional>
#include <string>

#include "model/admin.hpp"
#include "model/config.hpp"
#include "model/pool_status.hpp"
#include "model/result.hpp"

namespace janus::http {

/// The admin API's view of the pools: the actors implement it. Every handler runs exactly once,
/// on some thread of the implementation; callers post back to their own executor. Calls never
/// block. Failures: unknown_model, invalid_request (naming the field), conflict.
class admin_broker {
public:
  using status_handler = std::function<void(result<pool_status>)>;
  using drain_handler = std::function<void(result<drain_report>)>;
  using done_handler = std::function<void(result<std::string>)>;

  virtual ~admin_broker() = default;

  /// Changes a pool's min_warm and/or max_containers at once; answers its new status.
  virtual void scale(std::string model, scale_request change, status_handler on_done) = 0;

  /// Rolling restart: the pool's current containers take no new requests, stop when idle, and
  /// new ones start for min_warm.
  virtual void drain(std::string model, drain_handler on_done) = 0;

  /// Registers a model at run time (conflict when it exists); answers its name.
  virtual void add_model(model_config model, done_handler on_done) = 0;

  /// Removes a model: new requests get unknown_model, its containers drain and stop.
  virtual void remove_model(std::string model, done_handler on_done) = 0;
};

} // namespace janus::http
