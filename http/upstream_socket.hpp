#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>

#include "model/lease.hpp"
#include "model/result.hpp"

namespace janus::http {

/// A socket for a new connection to `target`, not connected yet, on the caller's executor. For a
/// container with its own network namespace it is made inside that namespace: a spare at once
/// when one is ready, else a new one from the socket factory's thread (about 100 us). Otherwise
/// it is a host socket that connect() opens. Either way the caller connects it to `target`'s
/// 127.0.0.1:port, and nothing else.
boost::asio::awaitable<result<boost::asio::ip::tcp::socket>> upstream_socket(
  const endpoint& target);

/// The same for callback code: `done` runs once, on `executor` (at once, inside the call, when
/// no factory trip is needed).
void async_upstream_socket(const boost::asio::any_io_executor& executor, const endpoint& target,
                           std::function<void(result<boost::asio::ip::tcp::socket>)> done);

} // namespace janus::http
