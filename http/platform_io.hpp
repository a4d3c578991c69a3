#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/read.hpp>

namespace janus::http {

// The platform endpoint's hot-path reads on plain sockets (its writes, and the chat path's, are
// write_now, http/write_now.hpp; the chat path reads containers' answers with
// http/response_reader.hpp): each does now what the socket
// allows (the usual case on a keep-alive connection), and goes asynchronous only for the rest.
// An asynchronous operation that could have completed at once still costs a reactor round and a
// handler run; an attempted read before anything can have arrived costs a failed recv. Each puts
// its socket in non-blocking mode for good (asynchronous operations work alike). Deadlines are
// the caller's (platform_deadline, socket_deadline).

/// Puts `socket` in non-blocking mode once.
inline boost::beast::error_code make_non_blocking(boost::asio::ip::tcp::socket& socket) {
  boost::beast::error_code ec;
  if (!socket.non_blocking()) {
    socket.non_blocking(true, ec);
  }
  return ec;
}

/// Reads into `parser` as Beast's read_header (`header` true) or read_some would: what `buffer`
/// holds is parsed first; with nothing there, one asynchronous read fills it.
template <class Parser>
boost::asio::awaitable<boost::beast::error_code> read_now(boost::asio::ip::tcp::socket& socket,
                                                          boost::beast::flat_buffer& buffer,
                                                          Parser& parser, bool header) {
  constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);
  auto ec = make_non_blocking(socket);
  if (ec) {
    co_return ec;
  }
  if (buffer.size() == 0) {
    // A read rather than a readability wait: Asio arms a wait with EPOLL_CTL_MOD every time,
    // and skips the speculative recv of a read that follows one that emptied the socket.
    auto [read_ec, n] = co_await socket.async_read_some(
      buffer.prepare(boost::beast::read_size(buffer, 65536)), nothrow);
    buffer.commit(n);
    if (read_ec && read_ec != boost::asio::error::eof) {
      co_return read_ec;
    }
    // At the end of the stream Beast's read below reads it again and says what it means.
  }
  if (header) {
    boost::beast::http::read_header(socket, buffer, parser, ec);
  } else {
    boost::beast::http::read_some(socket, buffer, parser, ec);
  }
  if (ec != boost::asio::error::would_block) {
    co_return ec;
  }
  // Part came (a header split over segments): the rest as it comes.
  if (header) {
    auto [read_ec, n] = co_await boost::beast::http::async_read_header(socket, buffer, parser,
                                                                       nothrow);
    co_return read_ec;
  }
  auto [read_ec, n] = co_await boost::beast::http::async_read_some(socket, buffer, parser,
                                                                   nothrow);
  co_return read_ec;
}

} // namespace janus::http
