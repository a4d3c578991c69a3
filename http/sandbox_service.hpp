#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/admin_broker.hpp"
#include "http/conformance_checker.hpp"
#include "model/config.hpp"
#include "model/result.hpp"
#include "model/sandbox.hpp"
#include "model/sandbox_table.hpp"

namespace janus::http {

class request_metrics;

/// What a container run made: its ids, its pool, and the variables janusd left out.
struct sandbox_run {
  sandbox_container container;
  std::vector<std::string> ignored_env;
};

/// The Sandy-compatible routes' state and work (docs/sandy.md): the sandbox table, and the pools
/// of their containers added and removed through the admin API's broker (never written to the
/// model registry). The table is guarded by one mutex, held only for a table call, never across
/// a wait; every decision is the table's (model/sandbox_table.hpp). A reaper on `executor` ends
/// what has expired once a second; stop() ends it (before the executor's io_context goes).
class sandbox_service {
public:
  using clock = std::chrono::steady_clock;

  /// `conformance`: with admin.require_conformance, what checks an image before it runs (null
  /// = no check). `requests`: the request metrics a container's model is registered with while
  /// it exists (may be null).
  sandbox_service(sandbox_config config, admin_limits limits, int max_json_depth,
                  admin_broker& admin, request_metrics* requests,
                  conformance_checker* conformance);

  ~sandbox_service();

  sandbox_service(const sandbox_service&) = delete;
  sandbox_service& operator=(const sandbox_service&) = delete;

  // -- lifecycle ----------------------------------------------------------------------------

  /// Starts the reaper on `executor`.
  void start(boost::asio::any_io_executor executor);

  /// Stops the reaper; the sandboxes' pools stay (the engine's shutdown stops them).
  void stop();

  // -- the routes' work ---------------------------------------------------------------------

  /// A new sandbox with a random id.
  result<sandbox_record> create(const sandbox_request& request);

  /// A copy of the sandbox, if it exists.
  result<sandbox_record> get(const std::string& id) const;

  /// Runs a container for sandbox `id`: reserves it, builds its model (make_sandbox_model),
  /// admits it (admin.limits, admin.require_conformance) and adds its pool; answers what it made
  /// or why not (the reservation is given back on every failure).
  boost::asio::awaitable<result<sandbox_run>> run(std::string id,
                                                  container_run_request request);

  /// Ends sandbox `id`: its pools are removed (their containers drain and stop). Answers how
  /// many containers it had; unknown_sandbox when none exists.
  result<int> terminate(const std::string& id);

  /// The pool a chat to container `container_id` of sandbox `id` goes to.
  result<std::string> chat_model(const std::string& id, const std::string& container_id) const;

  /// Whether `model` is a sandbox container's pool (hidden from /v1).
  bool is_sandbox_model(const std::string& model) const;

  /// Ends what has expired by `now` (the reaper calls it each second); answers how many pools
  /// it removed.
  std::size_t reap(clock::time_point now);

  const sandbox_config& config() const noexcept {
    return config_;
  }

  int max_json_depth() const noexcept {
    return max_json_depth_;
  }

private:
  /// Removes the pools of `gone` (and their request metrics), logging why.
  void remove_pools(const std::vector<sandbox_removal>& gone, std::string_view reason);

  void schedule_reap();

  sandbox_config config_;
  admin_limits limits_;
  int max_json_depth_;
  admin_broker& admin_;
  request_metrics* requests_;
  conformance_checker* conformance_;
  mutable std::mutex mutex_;
  sandbox_table table_;
  /// The reaper's timer (on its executor; the engine destroys the service only after that
  /// executor's thread has stopped), and whether it may be rearmed.
  std::optional<boost::asio::steady_timer> reaper_;
  std::atomic<bool> running_{false};
};

} // namespace janus::http
