#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "apps/janus-check/container_launcher.hpp"
#include "runtime/runtime.hpp"

namespace janus::check {

/// What a runtime_launcher can do beyond the runtime interface, where the runtime's engine offers
/// it (Docker does both).
struct runtime_extras {
  /// Run before the start; a fault in its outcome ends the launch with it (no engine, no image:
  /// the check cannot run).
  std::function<boost::asio::awaitable<launch_outcome>()> preflight;
  /// The container's memory now, by its id; unset: idle_memory is skipped.
  std::function<boost::asio::awaitable<memory_observation>(std::string id)> memory;
};

/// Runs the server under test through one of janusd's runtimes (janus::runtime), exactly as
/// that runtime runs a model's containers: janusd's conformance check uses it for the process
/// runtime, whose children are the model's `command`. The runtime's handlers may run on any
/// thread: they post what they learn to the check's executor, which must outlive the runtime's
/// last handler (janusd runs checks on the runtime's own I/O thread). Memory figures come from
/// `extras.memory` (without it idle_memory is skipped). A container in its own network namespace
/// (an isolated Docker one) is reached inside it, as janusd reaches it.
class runtime_launcher : public container_launcher {
public:
  /// `backend` must outlive the launcher's calls; `spec` is what to start.
  runtime_launcher(runtime& backend, container_spec spec, runtime_extras extras = {});

  ~runtime_launcher() override;

  std::string subject() const override;
  std::string description() const override;
  bool started_by_check() const override;
  boost::asio::awaitable<launch_outcome> launch() override;
  boost::asio::awaitable<result<boost::asio::ip::tcp::socket>> connect(
    std::chrono::milliseconds timeout) override;
  boost::asio::awaitable<std::string> ended() override;
  boost::asio::awaitable<memory_observation> memory() override;
  /// runtime::stop with `grace`, then waits for the exit (grace + 5 s at most).
  boost::asio::awaitable<stop_observation> stop(std::chrono::milliseconds grace) override;
  /// A stop with no grace (a kill) when the server still runs, waiting up to 5 s for its exit.
  boost::asio::awaitable<void> remove() override;
  /// Asks the runtime for the kill without waiting.
  void remove_now() override;

  /// What the runtime's handlers report; shared with them, so a late handler touches nothing
  /// that is gone.
  struct shared_state;

private:
  /// Waits until the runtime reported what `done` looks for, or until `deadline`.
  template <class Done>
  boost::asio::awaitable<bool> wait_for(Done done, std::chrono::steady_clock::time_point deadline);

  runtime& backend_;
  container_spec spec_;
  runtime_extras extras_;
  std::shared_ptr<shared_state> state_;
  /// Woken (cancelled) by the handlers; created by launch() on the check's executor.
  std::shared_ptr<boost::asio::steady_timer> wake_;
};

} // namespace janus::check
