#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "runtime/container_logs.hpp"
#include "runtime/docker_client.hpp"

namespace janus {

/// Follows the output of the Docker containers janusd runs: one
/// `GET /containers/{id}/logs?follow=1&stdout=1&stderr=1&since=<t>` stream per container, split
/// into its frames (docker_log_frames) and lines (line_cutter, per stream) and handed to
/// `logs` (janusd's log, rate-limited, and the admin route's ring). follow() when a container
/// is started or adopted, forget() on every path by which it goes: its stream is closed and its
/// logs closed (also when the engine ends the stream first: the container exited). A stream that
/// breaks the frame format is closed with a warning. Each stream has its own connection to the
/// engine (docker::client pools none), so a long-lived stream holds nothing another call needs;
/// its reads are asynchronous and each piece (16 KiB at most) is handed on at once, so a noisy
/// container never holds the executor for long. Lives on the docker runtime's executor: call
/// it from there only (followed() from any thread).
class docker_logs {
public:
  docker_logs(boost::asio::any_io_executor executor, const docker::client& api,
              container_logs& logs);

  /// Closes every stream (forget_all()).
  ~docker_logs();

  docker_logs(const docker_logs&) = delete;
  docker_logs& operator=(const docker_logs&) = delete;

  /// Starts following `id` from `since_ns` (unix nanoseconds; 0: from the container's first
  /// line).
  void follow(const std::string& id, const std::string& model, std::int64_t since_ns = 0);

  /// Stops following `id` (nothing when it is not followed).
  void forget(const std::string& id);

  /// Stops following every container (the runtime goes).
  void forget_all();

  /// Containers followed now: streams opening or open. Safe from any thread.
  std::size_t followed() const noexcept {
    return followed_.load(std::memory_order_relaxed);
  }

  /// The Engine API path of a container's log stream from `since_ns` (`since` as the engine
  /// takes it: `<seconds>.<nanoseconds>`, or `0`).
  static std::string logs_path(std::string_view id, std::int64_t since_ns);

private:
  struct follower {
    std::string id;
    std::shared_ptr<docker::response_stream> stream;
    /// Cleared when the follower is forgotten: the coroutine then leaves without a trace.
    bool active = true;
  };

  boost::asio::awaitable<void> run(std::shared_ptr<follower> self, std::int64_t since_ns);

  /// Removes `self` from the followed streams and closes its logs, once.
  void finish(const std::shared_ptr<follower>& self);

  boost::asio::any_io_executor executor_;
  const docker::client& api_;
  container_logs& logs_;
  std::unordered_map<std::string, std::shared_ptr<follower>> streams_;
  /// streams_.size(), for readers on other threads.
  std::atomic<std::size_t> followed_{0};
};

} // namespace janus
