#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <cerrno>
#include <cstddef>
#include <tuple>

namespace janus::http {

/// One `sendmsg` of (the first 8 pieces of) `buffers` that never blocks: the bytes the socket
/// took, 0 when its send buffer is full; `ec` set on a failure (reset, broken pipe).
template <class ConstBufferSequence>
std::size_t send_now(boost::asio::ip::tcp::socket& socket, const ConstBufferSequence& buffers,
                     boost::beast::error_code& ec) {
  std::array<iovec, 8> pieces{};
  std::size_t count = 0;
  for (auto it = boost::asio::buffer_sequence_begin(buffers);
       it != boost::asio::buffer_sequence_end(buffers) && count < pieces.size(); ++it) {
    boost::asio::const_buffer piece{*it};
    if (piece.size() > 0) {
      pieces[count++] = iovec{const_cast<void*>(piece.data()), piece.size()};
    }
  }
  if (count == 0) {
    return 0;
  }
  msghdr message{};
  message.msg_iov = pieces.data();
  message.msg_iovlen = count;
  while (true) {
    auto sent = ::sendmsg(socket.native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent >= 0) {
      return static_cast<std::size_t>(sent);
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      ec.assign(errno, boost::system::system_category());
    }
    return 0;
  }
}

/// The socket under a stream: itself, or a Beast tcp_stream's.
inline boost::asio::ip::tcp::socket& socket_of(boost::asio::ip::tcp::socket& socket) {
  return socket;
}
inline boost::asio::ip::tcp::socket& socket_of(boost::beast::tcp_stream& stream) {
  return stream.socket();
}

/// Writes what send_now left of `buffers` (all but the first `sent` bytes) to `stream`
/// asynchronously, bounded by the stream's expiry (tcp_stream) or the caller's deadline
/// (socket). For callers that try send_now first themselves, so that the usual write (the
/// socket takes it all) costs no coroutine frame either. `buffers` is taken by value (a few
/// pointers): GCC 12 must not hold a reference to a temporary across a co_await.
template <class Stream, class ConstBufferSequence>
boost::asio::awaitable<std::tuple<boost::beast::error_code, std::size_t>> write_rest(
  Stream& stream, ConstBufferSequence buffers, std::size_t sent) {
  boost::beast::buffers_suffix<ConstBufferSequence> rest{buffers};
  rest.consume(sent);
  co_return co_await boost::asio::async_write(stream, rest,
                                              boost::asio::as_tuple(boost::asio::use_awaitable));
}

/// Writes all of `buffers` to `stream` (a tcp_stream or a plain socket), as asio::async_write
/// does, but without a trip through the scheduler when the socket takes them at once (the usual
/// case: an answer fits the send buffer). Asio posts the completion of even an operation that
/// finished at once, and its one-thread scheduler polls epoll (`epoll_wait` with no timeout)
/// between such posts: an immediate write through it costs two system calls and a handler, here
/// one `sendmsg`. What the socket did not take is written as write_rest() does. Returns what
/// async_write would: the error and the bytes written.
template <class Stream, class ConstBufferSequence>
boost::asio::awaitable<std::tuple<boost::beast::error_code, std::size_t>> write_now(
  Stream& stream, ConstBufferSequence buffers) {
  boost::beast::error_code ec;
  auto sent = send_now(socket_of(stream), buffers, ec);
  if (ec || sent == boost::asio::buffer_size(buffers)) {
    co_return std::tuple{ec, sent};
  }
  auto [rest_ec, rest_n] = co_await write_rest(stream, buffers, sent);
  co_return std::tuple{rest_ec, sent + rest_n};
}

} // namespace janus::http
