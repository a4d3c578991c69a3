#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "apps/janus-check/contract_rules.hpp"
#include "model/result.hpp"

namespace janus::check {

/// Why a launch gave no running container.
enum class launch_fault : std::uint8_t {
  none,
  /// No container engine answers: the check cannot run (exit status 3).
  engine_unreachable,
  /// The image is not in the engine (nothing is ever pulled): the check cannot run (exit 3).
  image_missing,
  /// The engine refused or failed the start, or the container ended at once: `health` fails.
  start_failed,
};

/// What launch() did.
struct launch_outcome {
  launch_fault fault = launch_fault::none;
  /// The engine's words when the launch failed.
  std::string message;
  /// When the container's process was started (the engine was asked to run it): the boot time
  /// counts from here.
  std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();
};

/// How a check runs the server it checks and how it reaches it: the one piece that changes when
/// containers are run another way (janusd's own, once each has its own network namespace).
/// Calls are coroutines on the caller's executor, one at a time, each bounded in time.
/// Whatever launch() started is given back on every path: by remove() after any launch, even a
/// failed one, and by remove_now() when the event loop the check ran on is gone.
class container_launcher {
public:
  virtual ~container_launcher() = default;

  /// What is checked, for the report: the image, or the URL.
  virtual std::string subject() const = 0;

  /// How the server runs and is reached, for the report, e.g.
  /// "docker, bridged, published on 127.0.0.1:32771".
  virtual std::string description() const = 0;

  /// Whether the check starts the server itself; without that, sigterm and idle_memory are not
  /// checked.
  virtual bool started_by_check() const = 0;

  /// Starts the server (a no-op for one that runs already).
  virtual boost::asio::awaitable<launch_outcome> launch() = 0;

  /// A TCP connection to the server's HTTP port, made within `timeout`; the error says why not.
  virtual boost::asio::awaitable<result<boost::asio::ip::tcp::socket>> connect(
    std::chrono::milliseconds timeout) = 0;

  /// How the container ended, in words, when it has; empty while it runs (or when the launcher
  /// cannot tell).
  virtual boost::asio::awaitable<std::string> ended() = 0;

  /// The container's memory now.
  virtual boost::asio::awaitable<memory_observation> memory() = 0;

  /// SIGTERM, then a kill after `grace`: how the container ended and how long it took.
  virtual boost::asio::awaitable<stop_observation> stop(std::chrono::milliseconds grace) = 0;

  /// Removes what launch() started; idempotent, and a no-op when nothing was started.
  virtual boost::asio::awaitable<void> remove() = 0;

  /// remove() for a thread without a running event loop (after a signal, at janusd's shutdown):
  /// blocks for at most one engine call's timeout.
  virtual void remove_now() = 0;
};

} // namespace janus::check
