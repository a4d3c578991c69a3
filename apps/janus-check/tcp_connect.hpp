#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>

#include "model/lease.hpp"
#include "model/result.hpp"

namespace janus::check {

/// A TCP connection to `target` (a numeric loopback address) made within `timeout`; the error
/// says why not ("cannot connect to 127.0.0.1:8080: Connection refused"). For a target inside a
/// container's own network namespace (`target.ns`, an isolated Docker container) the socket is
/// made in that namespace first, as janusd's request path makes it (http/upstream_socket).
boost::asio::awaitable<result<boost::asio::ip::tcp::socket>> connect_loopback(
  const endpoint& target, std::chrono::milliseconds timeout);

} // namespace janus::check
