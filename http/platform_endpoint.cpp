#include "http/platform_endpoint.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <vector>

#include "http/platform_context.hpp"
#include "http/platform_session.hpp"
#include "http/platform_shared.hpp"
#include "logging/event.hpp"

namespace janus::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

platform_endpoint::platform_endpoint(platform_context& home, platform_shared& shared,
                                     endpoint_owner owner, std::string token,
                                     tcp::acceptor acceptor)
  : home_(home),
    shared_(shared),
    owner_(std::move(owner)),
    token_(std::move(token)),
    acceptor_(std::move(acceptor)) {
}

void platform_endpoint::start() {
  asio::co_spawn(home_.io(), [self = shared_from_this()] { return self->accept_loop(); },
                 asio::detached);
}

void platform_endpoint::close() {
  closed_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  std::vector<platform_session*> open{sessions_.begin(), sessions_.end()};
  for (auto* session : open) {
    session->close();
  }
}

void platform_endpoint::add(platform_session* session) {
  sessions_.insert(session);
}

void platform_endpoint::remove(platform_session* session) {
  sessions_.erase(session);
}

asio::awaitable<void> platform_endpoint::accept_loop() {
  constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
  while (!closed_) {
    auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
    if (closed_) {
      break;
    }
    if (ec) {
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) {
        break;
      }
      // Out of descriptors or a transient error: wait a moment rather than spin.
      asio::steady_timer pause{home_.io(), std::chrono::milliseconds(50)};
      co_await pause.async_wait(nothrow);
      continue;
    }
    if (sessions_.size() >= static_cast<std::size_t>(shared_.config.max_connections)) {
      logging::event{"platform connection refused: too many open"}
        .field("model", owner_.model)
        .field("container", owner_.container)
        .field("max_connections", shared_.config.max_connections)
        .warn();
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    std::make_shared<platform_session>(std::move(socket), shared_from_this())->start();
  }
}

} // namespace janus::http
