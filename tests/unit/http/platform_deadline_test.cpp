#include "http/platform_deadline.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <memory>

namespace janus::http {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

/// A container's connection and an upstream link, each a connected loopback pair, and the
/// deadline of the container's connection, all on one io_context.
struct connection {
  asio::io_context io;
  tcp::socket client{io};
  tcp::socket container{io};
  boost::beast::tcp_stream upstream{io};
  tcp::socket upstream_peer{io};
  platform_deadline deadline{client, io.get_executor()};

  connection() {
    tcp::acceptor acceptor{io, {asio::ip::address_v4::loopback(), 0}};
    container.connect(acceptor.local_endpoint());
    acceptor.accept(client);
    upstream.socket().connect(acceptor.local_endpoint());
    acceptor.accept(upstream_peer);
    asio::co_spawn(io, deadline.run(std::make_shared<int>()), asio::detached);
  }

  ~connection() {
    deadline.stop();
    io.run_for(10ms);
  }

  /// A wait on the client socket; `done` and `result` once it ends.
  void wait_on_client() {
    client.async_wait(tcp::socket::wait_read, [this](boost::system::error_code ec) {
      done = true;
      result = ec;
    });
  }

  bool done = false;
  boost::system::error_code result;
};

TEST(platform_deadline, reading_past_its_deadline_closes_the_client_and_the_failure_reads_timeout) {
  connection c;
  c.deadline.reading(clock_type::now() + 100ms);
  c.wait_on_client();
  c.io.run_for(40ms);
  EXPECT_FALSE(c.done) << "closed before its deadline";
  c.io.run_for(400ms);
  ASSERT_TRUE(c.done);
  EXPECT_FALSE(c.client.is_open());
  EXPECT_TRUE(c.deadline.expired());
  EXPECT_EQ(c.deadline.reason(c.result), boost::beast::error::timeout);
}

TEST(platform_deadline, a_later_deadline_replaces_an_earlier_one) {
  connection c;
  c.deadline.reading(clock_type::now() + 50ms);
  c.deadline.reading(clock_type::now() + 300ms);
  c.wait_on_client();
  c.io.run_for(150ms);
  EXPECT_FALSE(c.done) << "closed at the deadline that was replaced";
  EXPECT_FALSE(c.deadline.expired());
  c.io.run_for(500ms);
  EXPECT_TRUE(c.done);
  EXPECT_FALSE(c.client.is_open());
}

TEST(platform_deadline, an_earlier_deadline_moves_the_timer) {
  connection c;
  c.deadline.reading(clock_type::now() + 10s);
  c.io.run_for(20ms);
  c.deadline.reading(clock_type::now() + 50ms);
  c.wait_on_client();
  c.io.run_for(400ms);
  EXPECT_TRUE(c.done) << "the earlier deadline waited for the later one";
}

TEST(platform_deadline, a_call_past_its_deadline_closes_the_upstream_then_the_client_after_grace) {
  connection c;
  c.deadline.calling(clock_type::now() + 100ms, 300ms);
  c.deadline.attach(&c.upstream);
  c.wait_on_client();
  c.io.run_for(250ms);
  EXPECT_FALSE(c.upstream.socket().is_open()) << "the upstream outlived the call's deadline";
  ASSERT_TRUE(c.done) << "the client's pending operation was not cancelled";
  EXPECT_EQ(c.deadline.reason(c.result), boost::beast::error::timeout);
  EXPECT_TRUE(c.client.is_open()) << "closed before the 504 could be written";
  c.io.run_for(400ms);
  EXPECT_FALSE(c.client.is_open()) << "the client outlived the grace after the deadline";
}

TEST(platform_deadline, a_call_that_ends_in_time_leaves_both_connections_open) {
  connection c;
  c.deadline.calling(clock_type::now() + 100ms, 100ms);
  c.deadline.attach(&c.upstream);
  c.io.run_for(30ms);
  c.deadline.attach(nullptr);
  c.deadline.none();
  c.wait_on_client();
  c.io.run_for(400ms);
  EXPECT_FALSE(c.done);
  EXPECT_TRUE(c.client.is_open());
  EXPECT_TRUE(c.upstream.socket().is_open());
  EXPECT_FALSE(c.deadline.expired());
}

} // namespace
} // namespace janus::http
