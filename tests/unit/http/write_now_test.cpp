// http/write_now.hpp: a write the socket takes at once completes without a trip through the
// scheduler; one it cannot take at once is finished asynchronously, every byte in order; a
// failure is reported as async_write reports it.

#include "http/write_now.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <string>

namespace janus::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

/// A connected pair on loopback: `writer` (a Beast stream, as janusd's) and `reader`.
struct socket_pair {
  asio::io_context io;
  beast::tcp_stream writer{io};
  tcp::socket reader{io};

  socket_pair() {
    tcp::acceptor acceptor{io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
    writer.socket().connect(acceptor.local_endpoint());
    acceptor.accept(reader);
  }
};

using write_result = std::optional<std::tuple<beast::error_code, std::size_t>>;

template <class Buffers>
asio::awaitable<void> write_into(beast::tcp_stream& stream, Buffers buffers, write_result& out) {
  out = co_await write_now(stream, buffers);
}

template <class Buffers>
asio::awaitable<void> write_through_asio(beast::tcp_stream& stream, Buffers buffers, write_result& out) {
  out = co_await asio::async_write(stream, buffers, asio::as_tuple(asio::use_awaitable));
}

/// Handlers the io_context runs from the spawn of `writer`'s coroutine to the end of its write.
template <class Writer>
int handlers_until_written(socket_pair& pair, Writer writer, write_result& got) {
  asio::co_spawn(pair.io, writer(), asio::detached);
  int handlers = 0;
  while (!got && pair.io.run_one() > 0) {
    ++handlers;
  }
  return handlers;
}

TEST(write_now, a_write_the_socket_takes_completes_without_a_trip_through_the_scheduler) {
  std::string head = "HTTP/1.1 200 OK\r\n\r\n";
  std::string body = "hello";
  std::array<asio::const_buffer, 3> pieces{asio::buffer(head), asio::const_buffer{}, asio::buffer(body)};

  socket_pair now;
  write_result got_now;
  auto now_handlers = handlers_until_written(
    now, [&] { return write_into(now.writer, pieces, got_now); }, got_now);
  socket_pair through_asio;
  write_result got_asio;
  auto asio_handlers = handlers_until_written(
    through_asio, [&] { return write_through_asio(through_asio.writer, pieces, got_asio); }, got_asio);

  ASSERT_TRUE(got_now.has_value());
  EXPECT_FALSE(std::get<0>(*got_now));
  EXPECT_EQ(std::get<1>(*got_now), head.size() + body.size());
  EXPECT_LT(now_handlers, asio_handlers) << "async_write posts its completion; write_now does not";
  std::string read(head.size() + body.size(), '\0');
  asio::read(now.reader, asio::buffer(read));
  EXPECT_EQ(read, head + body);
}

TEST(write_now, a_write_larger_than_the_send_buffer_is_finished_asynchronously_in_order) {
  socket_pair pair;
  pair.writer.socket().set_option(asio::socket_base::send_buffer_size{4096});
  std::string big(4 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>('a' + i % 26);
  }
  std::string tail = "end";
  std::array<asio::const_buffer, 2> pieces{asio::buffer(big), asio::buffer(tail)};
  write_result got;
  asio::co_spawn(pair.io, write_into(pair.writer, pieces, got), asio::detached);
  pair.io.poll();
  EXPECT_FALSE(got.has_value()) << "4 MiB do not fit a socket's buffers at once";
  std::string read;
  std::array<char, 65536> chunk{};
  // The reader never blocks: the writer makes progress only in poll(), on this thread.
  pair.reader.non_blocking(true);
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (read.size() < big.size() + tail.size() && std::chrono::steady_clock::now() < give_up) {
    beast::error_code ec;
    auto n = pair.reader.read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::would_block) {
      pair.io.poll();
      continue;
    }
    ASSERT_FALSE(ec) << ec.message();
    read.append(chunk.data(), n);
    pair.io.poll();
  }
  pair.io.poll();
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(std::get<0>(*got));
  EXPECT_EQ(std::get<1>(*got), big.size() + tail.size());
  EXPECT_TRUE(read == big + tail);
}

TEST(write_now, a_write_to_a_reset_connection_fails_as_async_write_does) {
  socket_pair pair;
  pair.reader.set_option(asio::socket_base::linger{true, 0});
  pair.reader.close(); // an RST
  std::string data = "x";
  write_result got;
  for (int i = 0; i < 3 && !(got && std::get<0>(*got)); ++i) {
    got.reset();
    asio::co_spawn(pair.io, write_into(pair.writer, asio::buffer(data), got), asio::detached);
    pair.io.run();
    pair.io.restart();
  }
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(std::get<0>(*got) == asio::error::connection_reset
              || std::get<0>(*got) == asio::error::broken_pipe)
    << std::get<0>(*got).message();
}

TEST(write_now, an_empty_write_completes_at_once) {
  socket_pair pair;
  std::array<asio::const_buffer, 0> none{};
  write_result got;
  asio::co_spawn(pair.io, write_into(pair.writer, none, got), asio::detached);
  pair.io.poll();
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(std::get<0>(*got));
  EXPECT_EQ(std::get<1>(*got), 0U);
}

} // namespace
} // namespace janus::http
