#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>

#include "model/lease.hpp"
#include "model/result.hpp"

namespace janus::check {

/// A TCP connection to `target` (a numeric loopback address) made within `timeout`; the error
/// says why not ("cannot connect to 127.0.0.1:8080: Connection refused").
boost::asio::awaitable<result<boost::asio::ip::tcp::socket>> connect_loopback(
  const endpoint& target, std::chrono::milliseconds timeout);

} // namespace janus::check
