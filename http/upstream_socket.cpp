#include "http/upstream_socket.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <unistd.h>

#include "http/ask.hpp"
#include "model/netns_sockets.hpp"

namespace janus::http {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

result<tcp::socket> adopt(const asio::any_io_executor& executor, int fd) {
  tcp::socket socket{executor};
  boost::system::error_code ec;
  socket.assign(tcp::v4(), fd, ec);
  if (ec) {
    ::close(fd);
    return error_info{errc::upstream_failed, "cannot use a socket of the container's namespace: "
                                               + ec.message()};
  }
  return socket;
}

/// A new socket from the factory's thread, answered on the coroutine's executor. A plain function:
/// GCC 12 miscompiles a capturing lambda inside a co_await expression.
asio::awaitable<result<int>> ask_socket(std::shared_ptr<netns_sockets> ns) {
  return ask<result<int>>([ns = std::move(ns)](auto done) { ns->make_socket(std::move(done)); });
}

} // namespace

asio::awaitable<result<tcp::socket>> upstream_socket(const endpoint& target) {
  auto executor = co_await asio::this_coro::executor;
  if (!target.ns) {
    co_return tcp::socket{executor};
  }
  if (int fd = target.ns->take_spare(); fd >= 0) {
    co_return adopt(executor, fd);
  }
  auto pending = ask_socket(target.ns);
  auto made = co_await std::move(pending);
  if (!made) {
    co_return made.error();
  }
  co_return adopt(executor, made.value());
}

void async_upstream_socket(const asio::any_io_executor& executor, const endpoint& target,
                           std::function<void(result<tcp::socket>)> done) {
  if (!target.ns) {
    done(tcp::socket{executor});
    return;
  }
  if (int fd = target.ns->take_spare(); fd >= 0) {
    done(adopt(executor, fd));
    return;
  }
  target.ns->make_socket([executor, done = std::move(done)](result<int> made) mutable {
    asio::post(executor, [executor, done = std::move(done), made = std::move(made)]() mutable {
      if (!made) {
        done(made.error());
        return;
      }
      done(adopt(executor, made.value()));
    });
  });
}

} // namespace janus::http
