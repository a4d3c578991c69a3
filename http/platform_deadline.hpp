#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <memory>

namespace janus::http {

/// Every deadline of one platform connection (the idle and read timeouts of the container's
/// requests, the route's timeout of a forwarded call) on one timer, armed lazily: a new deadline
/// only records itself, and the timer moves only when the new deadline is earlier than the one it
/// waits for; when it fires early it waits again for the deadline of the moment. A keep-alive call
/// thus arms no timer (Beast's tcp_stream arms and cancels one for every read and write: four to
/// eight timer operations and as many extra handler runs per call). The hot path's reads and
/// writes go on the plain socket; this is what bounds them.
///
/// At a deadline: while reading a request the client's connection closes (as tcp_stream's
/// timeout does); in a forwarded call the upstream connection closes and the client's pending
/// operation is cancelled, and the client's connection closes `grace` later if the call has
/// not ended by then (room for the 504 or a stream's error end). reason() turns what the
/// closing made the operation return into beast::error::timeout, so messages stay those of a
/// timeout. Lives on its connection's thread.
class platform_deadline {
public:
  using clock = std::chrono::steady_clock;

  platform_deadline(boost::asio::ip::tcp::socket& client,
                    const boost::asio::any_io_executor& executor);

  /// Watches until stop(); `owner` (the connection, which holds this) lives as long.
  boost::asio::awaitable<void> run(std::shared_ptr<void> owner);

  /// Ends run() (the connection closes).
  void stop();

  /// Reading a request or its body: at `deadline` the client's connection closes.
  void reading(clock::time_point deadline);

  /// A forwarded call: see the class comment.
  void calling(clock::time_point deadline, clock::duration grace);

  /// The upstream connection of the current call (null: none, or given back).
  void attach(boost::beast::tcp_stream* upstream) noexcept {
    upstream_ = upstream;
  }

  /// No deadline of ours (an answer with its own write limit, a CONNECT tunnel).
  void none();

  /// Whether the current deadline has passed.
  bool expired() const noexcept {
    return expired_;
  }

  /// `ec`, or beast::error::timeout for a failure after the current deadline passed.
  boost::beast::error_code reason(const boost::beast::error_code& ec) const {
    return ec && expired_ ? boost::beast::error::timeout : ec;
  }

private:
  enum class phase { none, reading, calling, closing };

  void set(phase next, clock::time_point deadline);

  /// The current phase's deadline has passed: act on it.
  void expire();

  boost::asio::ip::tcp::socket& client_;
  boost::asio::steady_timer timer_;
  phase phase_ = phase::none;
  clock::time_point deadline_ = clock::time_point::max();
  clock::duration grace_{};
  boost::beast::tcp_stream* upstream_ = nullptr;
  bool expired_ = false;
  bool stopped_ = false;
};

} // namespace janus::http
