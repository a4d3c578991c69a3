#pragma once

#include <functional>
#include <string>

#include "model/config.hpp"
#include "model/result.hpp"

namespace janus::http {

/// The conformance check `POST /admin/models` runs before it adds a model
/// (`admin.require_conformance`); implemented outside http/ (janusd wires janus-check's
/// library). The check starts the model's image (or command) the way the engine's runtime would,
/// checks the Janus container contract and removes what it started.
class conformance_checker {
public:
  /// Runs exactly once, on any thread; the caller posts back to its own executor.
  using done_handler = std::function<void(result<std::string>)>;

  virtual ~conformance_checker() = default;

  /// Checks `model` without blocking: the handler gets a one-line summary when every required
  /// rule holds, else not_conforming naming the failed rules and what was observed, no_capacity
  /// when `admin.max_conformance_checks` run already or the runtime cannot run the check, or
  /// shutting_down.
  virtual void check(const model_config& model, done_handler on_done) = 0;
};

} // namespace janus::http
