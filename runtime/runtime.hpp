#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/config.hpp"
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
  /// Limits and hardening; container backends apply them, the process backend ignores them.
  resource_limits resources;
  /// The container's network (docker); the process backend ignores it.
  network_mode network = network_mode::isolated;
  /// The OCI runtime of the container (docker's HostConfig.Runtime); empty = the default.
  std::string runtime_class;
  /// When a container backend pulls `image` from its registry before the start.
  pull_policy pull = pull_policy::if_not_present;
};

/// One step of a container's start as its backend timed it, e.g. `{"create", 120 ms}` for the
/// Docker engine's create call: logged when the container is ready, to show where a cold start's
/// time goes.
struct start_phase {
  std::string name;
  std::chrono::microseconds took{0};
};

/// A started container: its id (unique for the engine's life) and its loopback endpoint.
struct container_info {
  std::string id;
  endpoint target;
  /// The steps of the backend's start, in order; empty for an adopted container.
  std::vector<start_phase> phases;
};

/// How a container ended.
struct container_exit {
  std::string id;
  /// Exit code, or 128 + signal number when killed by a signal.
  int status = 0;
  /// Human-readable, e.g. "exited with status 1" or "killed by signal 9 (Killed)".
  std::string description;
  /// True when the backend knows that the container ended of itself (it crashed, was killed
  /// or exited) and not because of a stop() it was carrying out; false when a stop was under
  /// way or the backend cannot tell.
  bool on_its_own = false;
};

/// A container that an earlier run of this engine left running and that runs exactly what a new
/// container of its model would run: it may be adopted instead of starting a new one.
struct adoptable_container {
  std::string model;
  container_info container;
};

/// What reconciliation is told about one model: the spec a new container of it would get, and
/// how many of its containers may be adopted at most.
struct reconcile_entry {
  container_spec spec;
  int max_adopt = 0;
};

/// The container backends' one interface: asynchronous, every handler runs exactly once on a
/// runtime thread and must not block. Implementations own their threads and their children.
class runtime {
public:
  using start_handler = std::function<void(result<container_info>)>;
  using exit_handler = std::function<void(container_exit)>;
  using list_handler = std::function<void(std::vector<container_info>)>;
  using reconcile_handler = std::function<void(result<std::vector<adoptable_container>>)>;

  virtual ~runtime() = default;

  /// The backend's name for logs ("process", "docker").
  virtual std::string name() const = 0;

  /// Starts a container. `on_started` learns its id, endpoint and the timed steps of the start
  /// (it is not ready yet: readiness is the caller's health probe). `on_exit` runs once when the
  /// container ends, for whatever reason, unless the start failed.
  virtual void start(container_spec spec, start_handler on_started, exit_handler on_exit) = 0;

  /// Asks a container to stop: SIGTERM (or the backend's equivalent), then a forced kill after
  /// `grace`. Its `on_exit` handler reports the end. Unknown ids are ignored.
  virtual void stop(const std::string& id, std::chrono::milliseconds grace) = 0;

  /// The containers this engine owns and that are still running.
  virtual void list(list_handler on_list) = 0;

  /// Connects the backend and cleans up after earlier runs of this engine (same engine
  /// identity), once, before the first start(). Containers that run what `wanted` would start now
  /// (same model, image and configuration, running, not unhealthy; at most `max_adopt` per model)
  /// are offered to `on_done`, and each must then be adopt()ed; every other container of this
  /// engine is removed. An error means the backend cannot work (e.g. no Docker engine answers).
  /// Backends whose containers never outlive the engine offer none (the default).
  virtual void reconcile(std::vector<reconcile_entry> wanted, reconcile_handler on_done) {
    on_done(std::vector<adoptable_container>{});
  }

  /// Takes over a container that reconcile() offered: from now on stop() works on it and
  /// `on_exit` reports its end, as for a started one. Backends that offer nothing never get this
  /// call; the default reports the container as ended.
  virtual void adopt(const container_info& container, exit_handler on_exit) {
    on_exit(container_exit{container.id, -1, "this runtime cannot adopt containers"});
  }

  /// Told the end of a pause() or resume(): nothing when done, else what failed.
  using pause_handler = std::function<void(std::optional<error_info>)>;

  /// Whether pause() and resume() work here. A runtime that cannot pause says so, and its pools
  /// never pause (the defaults below fail).
  virtual bool can_pause() const {
    return false;
  }

  /// Freezes a running container (Docker pause: the cgroup freezer; a process: SIGSTOP to its
  /// group): it keeps its memory and takes no CPU, and it cannot answer until resume(). A stop()
  /// of a paused container works as for a running one (the backend thaws it so that it can
  /// end). `on_done` runs once, within the backend's call timeout; an unknown id is an error.
  virtual void pause(const std::string& id, pause_handler on_done) {
    on_done(error_info{errc::no_capacity, "the " + name() + " runtime cannot pause containers"});
  }

  /// Thaws a container that pause() froze. `on_done` runs once, within the backend's call
  /// timeout; an unknown id is an error.
  virtual void resume(const std::string& id, pause_handler on_done) {
    on_done(error_info{errc::no_capacity, "the " + name() + " runtime cannot resume containers"});
  }

  /// Told the end of a prepare(): how many containers of the model are prepared now, or what
  /// failed.
  using prepare_handler = std::function<void(result<int>)>;

  /// Whether prepare() does anything here. A runtime without a create step worth doing ahead
  /// (process: a fork is the start) says no, and its pools never prepare (the defaults below).
  virtual bool can_prepare() const {
    return false;
  }

  /// Makes sure that `ahead` containers of `spec` are prepared: made as start() would make them
  /// (name, labels, environment, a platform grant of their own), not started, so that the next
  /// start() of the model takes one and skips that work. Prepared containers of the model that
  /// would not run what `spec` runs (configuration or image changed) are removed first.
  /// `on_done` runs once, with how many are prepared now. A start() that finds one of its model
  /// takes it (when it still runs what the start's spec runs; it is removed otherwise), so each
  /// start uses up one. The default prepares nothing.
  virtual void prepare(container_spec spec, int ahead, prepare_handler on_done) {
    on_done(0);
  }

  /// Removes every prepared container of `model`, and those that prepares under way make. The
  /// runtime's end removes what is left as well.
  virtual void discard_prepared(const std::string& model) {
  }

  using available_handler = std::function<void()>;

  /// Sets the handler told each time the backend's engine answers again after it could not be
  /// reached (e.g. dockerd restarted, its events stream reconnected): starts that failed for
  /// the outage may be retried at once. It runs on a runtime thread and must not block; the
  /// backend drops it when it is destroyed. Backends without an engine of their own (process)
  /// never call it (the default ignores it). Set once, at start-up.
  virtual void watch_availability(available_handler on_available) {
  }

  /// Where the backend's copy of `image` stands, for the admin listing: "" when it has not been
  /// looked at, "present", "pulling", "pulled" or "failed: <why>". Safe from any thread. Backends
  /// without images say "" (the default).
  virtual std::string image_state(const std::string& image) const {
    return {};
  }

  /// The containers whose output stream the backend follows now (docker: one Engine API log
  /// stream each); safe from any thread. Backends that hold no such stream say 0 (the default).
  virtual std::size_t log_streams() const {
    return 0;
  }
};

} // namespace janus
