#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

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
/// breaks the frame format is closed with a warning. Lives on the docker runtime's executor: call
/// it from there only.
class docker_logs {
public:
  docker_logs(boost::asio::any_io_executor executor, const docker::client& api,
              container_logs& logs);

  /// Closes every stream.
  ~docker_logs();

  docker_logs(const docker_logs&) = delete;
  docker_logs& operator=(const docker_logs&) = delete;

  /// Starts following `id` from `since` (unix seconds; 0: from the container's first line).
  void follow(const std::string& id, const std::string& model, std::int64_t since = 0);

  /// Stops following `id` (nothing when it is not followed).
  void forget(const std::string& id);

  /// Containers followed now.
  std::size_t followed() const noexcept {
    return streams_.size();
  }

  /// The Engine API path of a container's log stream.
  static std::string logs_path(std::string_view id, std::int64_t since);

private:
  struct follower {
    std::string id;
    std::shared_ptr<docker::response_stream> stream;
    /// Cleared when the follower is forgotten: the coroutine then leaves without a trace.
    bool active = true;
  };

  boost::asio::awaitable<void> run(std::shared_ptr<follower> self, std::int64_t since);

  /// Removes `self` from the followed streams and closes its logs, once.
  void finish(const std::shared_ptr<follower>& self);

  boost::asio::any_io_executor executor_;
  const docker::client& api_;
  container_logs& logs_;
  std::unordered_map<std::string, std::shared_ptr<follower>> streams_;
};

} // namespace janus
