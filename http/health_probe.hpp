#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "model/lease.hpp"

namespace janus::http {

/// The answer of one health probe.
struct probe_result {
  bool healthy = false;
  /// HTTP status, 0 when no answer came.
  int status = 0;
  /// What went wrong, for logs ("connection refused", "timed out", "status 503").
  std::string detail;
  /// The probe could not be sent for a reason of janusd's own (it ran out of file descriptors):
  /// the answer says nothing about the container.
  bool local_failure = false;
};

/// Sends one `GET path` to a container on loopback (its own, through a socket made in its network
/// namespace, when the endpoint has one) and reports whether it answered 200 within
/// `timeout`. A TCP connect alone is not health: only an HTTP 200 is. The probe runs on `io`'s
/// thread (the call only posts it there) and so does the handler, once.
void probe_health(boost::asio::io_context& io, const endpoint& target, const std::string& path,
                  std::chrono::milliseconds timeout, std::function<void(probe_result)> on_result);

} // namespace janus::http
