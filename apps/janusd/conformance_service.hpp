#pragma once

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <set>

#include "http/conformance_checker.hpp"
#include "model/config.hpp"
#include "runtime/runtime.hpp"

namespace janus {

/// janusd's conformance check of models added at run time (`admin.require_conformance`): the
/// janus-check library, run asynchronously on the runtime's I/O thread (never on an actor's or
/// an HTTP thread). A Docker model's image is run as janus-check runs it (docker_launcher); a
/// process model's command is run by janusd's own process runtime, exactly as its pool would
/// run it. At most `admin.max_conformance_checks` run at once; each ends within
/// check::longest_check of its settings, and removes what it started.
class conformance_service : public http::conformance_checker {
public:
  /// Turns a model into what its runtime would start (platform variables included).
  using spec_maker = std::function<container_spec(const model_config&)>;

  /// `io` runs the checks (the runtime's io_context); `backend` runs the process runtime's
  /// checks; both must outlive the service's checks.
  conformance_service(boost::asio::io_context& io, runtime& backend, const config& cfg,
                      spec_maker spec_of);

  /// Removes what abandoned checks left (the io_context has stopped: call after its thread
  /// ended); Docker containers are removed here, process children by the runtime.
  ~conformance_service() override;

  void check(const model_config& model, done_handler on_done) override;

  /// Answers every check under way with shutting_down and refuses new ones; idempotent. Call
  /// while the HTTP server still runs (the answers are posted to its threads).
  void shutdown();

private:
  struct job;

  void finish(const std::shared_ptr<job>& done, result<std::string> outcome);

  boost::asio::io_context& io_;
  runtime& backend_;
  std::string runtime_name_;
  docker_config docker_;
  admin_config admin_;
  spec_maker spec_of_;
  std::mutex mutex_;
  /// Guarded by mutex_: set by shutdown(); the checks under way (at most max_conformance_checks).
  bool stopping_ = false;
  std::set<std::shared_ptr<job>> jobs_;
};

} // namespace janus
