#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/lease.hpp"
#include "model/result.hpp"

namespace janus {

/// What to run for one container of a model. Backend-neutral: the process backend uses
/// `command`, a container backend uses `image`.
struct container_spec {
  std::string model;
  std::vector<std::string> command;
  std::string image;
  /// Environment on top of what the backend provides (PORT, HOST for processes).
  std::map<std::string, std::string> env;
  /// Labels naming the engine instance and model, for reconciliation.
  std::map<std::string, std::string> labels;
};

/// A started container: its id (unique for the engine's life) and its loopback endpoint.
struct container_info {
  std::string id;
  endpoint target;
};

/// How a container ended.
struct container_exit {
  std::string id;
  /// Exit code, or 128 + signal number when killed by a signal.
  int status = 0;
  /// Human-readable, e.g. "exited with status 1" or "killed by signal 9 (Killed)".
  std::string description;
};

/// The container backends' one interface: asynchronous, every handler runs exactly once on a
/// runtime thread and must not block. Implementations own their threads and their children.
class runtime {
public:
  using start_handler = std::function<void(result<container_info>)>;
  using exit_handler = std::function<void(container_exit)>;
  using list_handler = std::function<void(std::vector<container_info>)>;

  virtual ~runtime() = default;

  /// The backend's name for logs ("process", "docker").
  virtual std::string name() const = 0;

  /// Starts a container. `on_started` learns its id and endpoint (it is not ready yet: readiness
  /// is the caller's health probe). `on_exit` runs once when the container ends, for whatever
  /// reason, unless the start failed.
  virtual void start(container_spec spec, start_handler on_started, exit_handler on_exit) = 0;

  /// Asks a container to stop: SIGTERM (or the backend's equivalent), then a forced kill after
  /// `grace`. Its `on_exit` handler reports the end. Unknown ids are ignored.
  virtual void stop(const std::string& id, std::chrono::milliseconds grace) = 0;

  /// The containers this engine owns and that are still running.
  virtual void list(list_handler on_list) = 0;
};

} // namespace janus
