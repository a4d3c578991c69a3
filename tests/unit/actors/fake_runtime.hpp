#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "runtime/runtime.hpp"

namespace janus::actors::test_kit {

/// A runtime that starts nothing: it records each start() and stop(), and the test decides when
/// a container has started, failed to start or exited by calling the recorded handlers. The
/// handlers only post messages, so the test runs the actor system afterwards.
class fake_runtime final : public runtime {
public:
  /// One start() call and what became of it.
  struct start_call {
    enum class phase { pending, running, failed, exited };

    container_spec spec;
    start_handler on_started;
    exit_handler on_exit;
    phase state = phase::pending;
    container_info container;
  };

  /// One adopt() call.
  struct adopt_call {
    container_info container;
    exit_handler on_exit;
    bool exited = false;
  };

  /// One prepare() call; the test answers it through `on_done`.
  struct prepare_call {
    container_spec spec;
    int ahead = 0;
    prepare_handler on_done;
  };

  /// One stop() call.
  struct stop_call {
    std::string id;
    std::chrono::milliseconds grace;
  };

  // -- runtime ------------------------------------------------------------------------------

  std::string name() const override;
  void start(container_spec spec, start_handler on_started, exit_handler on_exit) override;
  void stop(const std::string& id, std::chrono::milliseconds grace) override;
  void list(list_handler on_list) override;
  void adopt(const container_info& container, exit_handler on_exit) override;
  /// What `prepares_enabled` says (off by default: the pools of other tests never prepare).
  bool can_prepare() const override;
  void prepare(container_spec spec, int ahead, prepare_handler on_done) override;
  void discard_prepared(const std::string& model) override;

  // -- the test's side ----------------------------------------------------------------------

  /// Number of start() calls so far.
  std::size_t starts() const noexcept {
    return starts_.size();
  }

  const start_call& start_at(std::size_t index) const;

  /// Reports start number `index` (0-based) as started: id `c<index+1>`, port `9001+index`.
  /// Returns the container.
  container_info report_started(std::size_t index);

  /// Reports start number `index` as failed with `message`.
  void report_start_failure(std::size_t index, std::string message);

  /// Reports the container of start number `index` as ended: on its own unless stop() was
  /// asked for it (as the process runtime tells).
  void report_exit(std::size_t index, std::string description = "exited with status 0");

  /// Reports the container of start number `index` as killed by something else than a stop,
  /// whether or not a stop was asked meanwhile (e.g. `docker kill` while it drained).
  void report_killed(std::size_t index);

  /// Number of adopt() calls so far.
  std::size_t adoptions() const noexcept {
    return adopts_.size();
  }

  const adopt_call& adoption_at(std::size_t index) const;

  /// Reports the container of adoption number `index` (0-based) as ended.
  void report_adopted_exit(std::size_t index, std::string description = "exited with status 0");

  /// Ids passed to stop(), in call order, leaving out ids of no started container.
  std::vector<std::string> stopped_ids() const;

  const std::vector<stop_call>& stops() const noexcept {
    return stops_;
  }

  /// Ends everything still pending or running (start failure or exit), for tearing down.
  void end_all();

  /// Drops the recorded handlers (they hold actor handles).
  void forget();

  /// Whether this runtime prepares containers ahead (can_prepare()).
  bool prepares_enabled = false;
  /// prepare() calls, and the models of discard_prepared() calls, in call order.
  std::vector<prepare_call> prepares;
  std::vector<std::string> discards;

private:
  std::vector<start_call> starts_;
  std::vector<adopt_call> adopts_;
  std::vector<stop_call> stops_;
};

} // namespace janus::actors::test_kit
