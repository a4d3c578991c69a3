#include "apps/janus-check/tcp_connect.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "http/upstream_socket.hpp"

namespace janus::check {

namespace net = boost::asio;
namespace beast = boost::beast;

net::awaitable<result<net::ip::tcp::socket>> connect_loopback(const endpoint& target,
                                                              std::chrono::milliseconds timeout) {
  auto where = target.host + ":" + std::to_string(target.port);
  boost::system::error_code bad;
  auto address = net::ip::make_address(target.host, bad);
  if (bad || !address.is_loopback()) {
    error_info refused{errc::internal, where + " is not a loopback address"};
    co_return refused;
  }
  net::ip::tcp::endpoint peer{address, target.port};
  auto made = co_await http::upstream_socket(target);
  if (!made) {
    co_return made.error();
  }
  if (target.ns) {
    where += " in the container's network namespace";
  }
  beast::tcp_stream stream{std::move(made.value())};
  stream.expires_after(timeout);
  auto [ec] = co_await stream.async_connect(peer, net::as_tuple(net::use_awaitable));
  if (ec) {
    error_info failed{errc::upstream_failed,
                      ec == beast::error::timeout
                        ? "no connection to " + where + " within "
                            + std::to_string(timeout.count()) + " ms"
                        : "cannot connect to " + where + ": " + ec.message()};
    co_return failed;
  }
  co_return stream.release_socket();
}

} // namespace janus::check
