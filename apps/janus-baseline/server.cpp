#include "apps/janus-baseline/server.hpp"

#include "apps/janus-baseline/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>
#include <stdexcept>

namespace janus::baseline {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

std::string address_text(const tcp::endpoint& endpoint) {
  auto address = endpoint.address().to_string();
  if (endpoint.address().is_v6()) {
    address = "[" + address + "]";
  }
  return address + ":" + std::to_string(endpoint.port());
}

} // namespace

server::server(net::io_context& io, baseline_options options)
  : io_(io),
    options_(std::move(options)),
    acceptor_(io),
    timer_(io),
    grace_timer_(io),
    started_at_(unix_now()) {
  // nop
}

net::awaitable<void> server::run() {
  if (options_.startup_delay_ms > 0) {
    timer_.expires_after(std::chrono::milliseconds(options_.startup_delay_ms));
    co_await timer_.async_wait(nothrow);
  }
  if (stopping_) {
    co_return;
  }
  listen();
  std::cerr << "janus-baseline listening on " << address_text(acceptor_.local_endpoint())
            << std::endl;
  for (;;) {
    if (!listening_) {
      // Refusing connections on purpose: idle until stop() cancels the timer.
      timer_.expires_after(std::chrono::hours(24));
      co_await timer_.async_wait(nothrow);
      if (stopping_) {
        break;
      }
      continue;
    }
    auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
    if (stopping_) {
      break;
    }
    if (!listening_) {
      continue;
    }
    if (ec) {
      // Out of file descriptors and the like: back off instead of spinning.
      timer_.expires_after(std::chrono::milliseconds(50));
      co_await timer_.async_wait(nothrow);
      continue;
    }
    start_connection(std::move(socket));
  }
}

void server::stop() {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& [id, conn] : connections_) {
    if (conn->idle()) {
      conn->close();
    }
  }
  if (connections_.empty()) {
    return;
  }
  grace_timer_.expires_after(shutdown_grace);
  grace_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) {
      return;
    }
    for (auto& [id, conn] : connections_) {
      conn->close();
    }
  });
}

void server::stop_listening() {
  listening_ = false;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void server::listen() {
  tcp::endpoint endpoint{net::ip::make_address(options_.host), options_.port};
  try {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& error) {
    throw std::runtime_error("cannot listen on " + address_text(endpoint) + ": "
                             + error.code().message());
  }
}

void server::start_connection(tcp::socket socket) {
  boost::system::error_code ignored;
  // SSE frames are small and must leave at once: no Nagle delay.
  socket.set_option(tcp::no_delay(true), ignored);
  auto id = next_connection_id_++;
  auto conn = std::make_shared<connection>(std::move(socket), *this);
  connections_.emplace(id, conn);
  net::co_spawn(io_, connection::serve(std::move(conn)), [this, id](std::exception_ptr error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        std::cerr << "janus-baseline: connection failed: " << e.what() << std::endl;
      } catch (...) {
        std::cerr << "janus-baseline: connection failed" << std::endl;
      }
    }
    forget_connection(id);
  });
}

void server::forget_connection(std::uint64_t id) {
  connections_.erase(id);
  if (stopping_ && connections_.empty()) {
    grace_timer_.cancel();
  }
}

} // namespace janus::baseline
