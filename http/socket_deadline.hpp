#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include <chrono>
#include <memory>

namespace janus::http {

/// The deadline of one operation at a time on a connection, on one timer armed lazily (as
/// platform_deadline does for the platform endpoint): arm() only records the deadline and which
/// socket it guards, and the timer moves only when the new deadline is earlier than the one it
/// waits for; when it fires early it waits again for the deadline of the moment. Deadlines made
/// of "now + the same limits" only grow, so a keep-alive request arms no timer at all, where
/// Beast's tcp_stream arms one for every read and write and posts its cancellation when the
/// operation ends: a scheduler round (and an `epoll_wait` that finds nothing) per operation.
///
/// At the deadline the guarded socket is closed, which ends the operation waiting on it;
/// reason() then turns what that operation returned into beast::error::timeout, the error
/// tcp_stream's timeout gives. Lives on its connection's thread.
class socket_deadline {
public:
  using clock = std::chrono::steady_clock;

  explicit socket_deadline(const boost::asio::any_io_executor& executor);

  /// Watches until stop(); `owner` (what holds this) lives as long.
  boost::asio::awaitable<void> run(std::shared_ptr<void> owner);

  /// Ends run().
  void stop();

  /// Until disarm(): at `deadline`, `socket` closes. The socket must outlive the arming.
  void arm(boost::asio::ip::tcp::socket& socket, clock::time_point deadline);

  /// No deadline (the operation ended).
  void disarm() noexcept;

  /// Whether the last armed deadline passed (and closed its socket).
  bool expired() const noexcept {
    return expired_;
  }

  /// `ec`, or beast::error::timeout for a failure after the deadline closed the socket.
  boost::beast::error_code reason(const boost::beast::error_code& ec) const {
    return ec && expired_ ? boost::beast::error::timeout : ec;
  }

  /// Arms for one scope: disarms when it ends, however it ends.
  class scope {
  public:
    scope(socket_deadline& deadline, boost::asio::ip::tcp::socket& socket,
          clock::time_point at)
      : deadline_(deadline) {
      deadline_.arm(socket, at);
    }
    ~scope() {
      deadline_.disarm();
    }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

  private:
    socket_deadline& deadline_;
  };

private:
  boost::asio::steady_timer timer_;
  boost::asio::ip::tcp::socket* guarded_ = nullptr;
  clock::time_point deadline_ = clock::time_point::max();
  bool expired_ = false;
  bool stopped_ = false;
};

} // namespace janus::http
