#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "actors/admin_bridge.hpp"
#include "actors/broker_bridge.hpp"
#include "actors/container_metrics.hpp"
#include "apps/janusd/conformance_service.hpp"
#include "http/change_turns.hpp"
#include "http/request_metrics.hpp"
#include "http/sandbox_service.hpp"
#include "http/platform_server.hpp"
#include "http/server.hpp"
#include "metrics/registry.hpp"
#include "model/config.hpp"
#include "model/model_state.hpp"
#include "runtime/netns_factory.hpp"
#include "runtime/container_logs.hpp"
#include "runtime/runtime.hpp"

namespace janus {

/// Wires the engine: the runtime and its I/O thread, the actor system with the router, pools and
/// health checker, and the HTTP server. Owns them all, in the order they must stop.
class engine {
public:
  explicit engine(config cfg);

  ~engine();

  /// Starts the pools (pre-warming) and the HTTP server.
  void start();

  /// The graceful stop: stop accepting, let requests in flight finish within the drain timeout,
  /// stop every container within its grace period, stop the threads.
  void shutdown();

  std::uint16_t port() const;

  /// The configuration reload (SIGHUP): reads `path` again and applies its models, with the
  /// model registry's changes on top (as at start). Added models start, removed ones drain,
  /// changed ones get a new pool that takes over once warm; unchanged ones are not touched.
  /// Other keys keep their running values (each one that differs is logged as needing a
  /// restart). A file with an error is refused and nothing changes. One reload at a time, in
  /// turn with the admin API's model changes; logs the outcome and counts it in
  /// janus_config_reloads_total. Returns whether the file was applied.
  bool reload(const std::string& path);

private:
  /// The longest stop_grace of the running models.
  std::chrono::milliseconds longest_grace() const;

  /// The reload's steps once the file is read (reload() logs and counts the outcome).
  result<std::string> apply_reload(config loaded);
  /// Ends every actor and waits until they are all gone (bounded by `limit`): none of them may
  /// run once the runtime they call is destroyed. False when some still ran at the limit.
  bool stop_actors(std::chrono::milliseconds limit);

  // Members are destroyed bottom up, after ~engine() has stopped the HTTP threads, every actor
  // and the runtime's thread, in that order. What is destroyed then still holds actor handles
  // (the sessions' leases, pending health probes on runtime_io_), so the actor system is
  // declared above them and goes last.
  config cfg_;
  std::string instance_id_;
  /// The engine's metrics, served at /metrics; they outlive the actors and the server that
  /// update them.
  metrics::registry metrics_;
  std::unique_ptr<http::request_metrics> request_metrics_;
  std::unique_ptr<actors::container_metrics> container_metrics_;
  /// Every container's output lines (janusd's log, the admin route's ring); outlives the
  /// runtime, which feeds it.
  std::unique_ptr<container_logs> container_logs_;
  /// janus_container_log_streams, set from the runtime at each scrape.
  prometheus::Gauge* log_streams_ = nullptr;
  /// Every container's platform endpoint; outlives the runtime, which closes them.
  std::unique_ptr<http::platform_server> platform_;
  caf::actor_system_config actor_cfg_;
  std::unique_ptr<caf::actor_system> actors_;
  boost::asio::io_context runtime_io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> runtime_work_;
  /// Makes sockets inside isolated containers (docker runtime only). Stopped after the actors,
  /// while the runtime's thread that health probes' answers go to still runs.
  std::shared_ptr<netns_factory> netns_;
  std::unique_ptr<runtime> runtime_;
  /// The model registry of admin.state_dir; null without one.
  std::unique_ptr<model_registry_file> registry_;
  /// admin.require_conformance's checks, on the runtime's thread; null when not required.
  std::unique_ptr<conformance_service> conformance_;
  std::thread runtime_thread_;
  caf::actor health_;
  caf::actor router_;
  caf::actor facade_;
  std::unique_ptr<actors::broker_bridge> broker_;
  std::unique_ptr<actors::admin_bridge> admin_;
  /// The Sandy-compatible routes (sandbox.enabled); its reaper runs on runtime_io_. Null when
  /// disabled.
  std::unique_ptr<http::sandbox_service> sandbox_;
  std::unique_ptr<http::server> server_;
  /// Admin model changes and reloads take turns (http/change_turns.hpp).
  http::change_turns turns_;
  /// One reload at a time (SIGHUP is taken by one thread, but reload() is public).
  std::mutex reload_mutex_;
  /// Guards cfg_.models, which a reload replaces while a shutdown may read stop_grace.
  mutable std::mutex models_mutex_;
  prometheus::Counter* reloads_ok_ = nullptr;
  prometheus::Counter* reloads_failed_ = nullptr;
  prometheus::Gauge* last_reload_ok_ = nullptr;
  prometheus::Gauge* last_reload_time_ = nullptr;
};

} // namespace janus
