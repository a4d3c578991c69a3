#pragma once

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <chrono>
#include <cstddef>

namespace janus::actors::test_kit {

/// An actor system on CAF's deterministic test coordinator: no message is handled until `run()`,
/// and time (of `delayed_send` and of `clock().now()`) moves only with `advance()`.
class deterministic_system {
public:
  deterministic_system();

  deterministic_system(const deterministic_system&) = delete;
  deterministic_system& operator=(const deterministic_system&) = delete;

  /// Runs what is left, then lets the system shut down without waiting for actors: a test
  /// that leaks one fails its own check instead of hanging here.
  ~deterministic_system();

  caf::actor_system& system() noexcept {
    return sys_;
  }

  /// Handles every queued message, and those the handlers send, until no actor has work.
  /// Timers do not fire. Returns the number of messages handled.
  std::size_t run();

  /// Moves the clock forward by `by` in steps of `step` at most; after each step delivers the
  /// timers due and runs every message.
  void advance(std::chrono::milliseconds by,
               std::chrono::milliseconds step = std::chrono::milliseconds{10});

  /// The simulated time.
  caf::actor_clock::time_point now() const;

  /// Actors alive, for checking that a test left none behind.
  std::size_t running_actors();

private:
  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
};

} // namespace janus::actors::test_kit
