#pragma once

#include "apps/janus-baseline/api_error.hpp"
#include "apps/janus-baseline/echo_model.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <memory>
#include <string_view>

namespace janus::baseline {

class server;

/// One client connection: reads HTTP/1.1 requests one after the other (keep-alive), routes
/// each to the echo model or a control endpoint and writes the answer, streamed or whole.
/// Guard rails are set here: 16 KiB of headers, 1 MiB of body, 60 s without a request.
class connection {
public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  /// Takes over an accepted socket; `owner` outlives the connection.
  connection(boost::asio::ip::tcp::socket socket, server& owner);

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // -- lifecycle ----------------------------------------------------------------------------

  /// Serves requests until the peer leaves, an error, or the server stops; `self` keeps the
  /// connection alive meanwhile.
  static boost::asio::awaitable<void> serve(std::shared_ptr<connection> self);

  /// True while the connection waits for the next request (nothing in flight).
  bool idle() const {
    return idle_;
  }

  /// Closes the socket at once and cancels a pending token delay: any request in flight ends
  /// without a complete answer.
  void close();

private:
  // -- request handling -----------------------------------------------------------------------

  boost::asio::awaitable<void> serve_requests();

  /// Answers one request; returns whether the connection may serve another one.
  boost::asio::awaitable<bool> handle(const request& req, bool keep_alive);

  boost::asio::awaitable<bool> handle_chat(const request& req, bool keep_alive);

  boost::asio::awaitable<bool> stream_answer(const answer_plan& plan, unsigned version,
                                             bool keep_alive);

  // -- writing --------------------------------------------------------------------------------

  /// Writes a whole JSON answer; `allow` sets the Allow header (for a 405). Returns whether
  /// the write succeeded.
  boost::asio::awaitable<bool> write_json(unsigned status, std::string body, unsigned version,
                                          bool keep_alive, std::string_view allow = {});

  boost::asio::awaitable<bool> write_error(const api_error& error, unsigned version,
                                           bool keep_alive, std::string_view allow = {});

  boost::asio::awaitable<bool> write_chunk(std::string_view data);

  /// Answers an unreadable request and closes, reading on a moment first so the peer gets
  /// the answer instead of a reset while it still sends.
  boost::asio::awaitable<void> reject(const api_error& error);

  /// Waits `delay` on the token timer; false when close() interrupted it.
  boost::asio::awaitable<bool> wait(std::chrono::milliseconds delay);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  boost::asio::steady_timer timer_;
  server& server_;
  bool idle_ = false;
};

} // namespace janus::baseline
