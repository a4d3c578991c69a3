// http/socket_deadline.hpp: the deadline of the chat path's reads. At the deadline the guarded
// socket closes and the failure reads as a timeout; a disarmed deadline closes nothing; a later
// deadline replaces an earlier one; and keep-alive deadlines ("now + the same limit") move no
// timer at all.

#include "http/socket_deadline.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <memory>

namespace janus::http {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

/// Two connected loopback pairs (`first`, `second` the guarded ends) and a running deadline.
struct connections {
  asio::io_context io;
  tcp::socket first{io};
  tcp::socket first_peer{io};
  tcp::socket second{io};
  tcp::socket second_peer{io};
  socket_deadline deadline{io.get_executor()};

  connections() {
    tcp::acceptor acceptor{io, {asio::ip::address_v4::loopback(), 0}};
    first_peer.connect(acceptor.local_endpoint());
    acceptor.accept(first);
    second_peer.connect(acceptor.local_endpoint());
    acceptor.accept(second);
    asio::co_spawn(io, deadline.run(std::make_shared<int>()), asio::detached);
  }

  ~connections() {
    deadline.stop();
    io.run_for(10ms);
  }
};

/// A read on `socket` that records how it ended.
struct pending_read {
  bool done = false;
  boost::system::error_code result;
  char byte = 0;

  void start(tcp::socket& socket) {
    socket.async_read_some(asio::buffer(&byte, 1), [this](boost::system::error_code ec, std::size_t) {
      done = true;
      result = ec;
    });
  }
};

TEST(socket_deadline, a_read_past_its_deadline_ends_with_its_socket_closed_and_reads_timeout) {
  connections c;
  pending_read read;
  c.deadline.arm(c.first, clock_type::now() + 100ms);
  read.start(c.first);
  c.io.run_for(40ms);
  EXPECT_FALSE(read.done) << "closed before its deadline";
  c.io.run_for(400ms);
  ASSERT_TRUE(read.done);
  EXPECT_FALSE(c.first.is_open());
  EXPECT_TRUE(c.deadline.expired());
  EXPECT_EQ(c.deadline.reason(read.result), boost::beast::error::timeout);
  EXPECT_TRUE(c.second.is_open()) << "a socket it did not guard was closed";
}

TEST(socket_deadline, a_disarmed_deadline_closes_nothing_and_a_success_is_no_timeout) {
  connections c;
  pending_read read;
  {
    socket_deadline::scope bounded{c.deadline, c.first, clock_type::now() + 50ms};
    read.start(c.first);
    asio::write(c.first_peer, asio::buffer("x", 1));
    while (!read.done && c.io.run_one_for(1s) > 0) {
    }
  }
  ASSERT_TRUE(read.done);
  EXPECT_FALSE(read.result);
  c.io.run_for(200ms); // past the deadline of the scope that ended
  EXPECT_TRUE(c.first.is_open());
  EXPECT_FALSE(c.deadline.expired());
  EXPECT_EQ(c.deadline.reason(boost::asio::error::eof), boost::asio::error::eof)
    << "a failure without an expired deadline keeps its own error";
}

TEST(socket_deadline, a_later_deadline_replaces_an_earlier_one_and_guards_its_own_socket) {
  connections c;
  pending_read on_first;
  pending_read on_second;
  c.deadline.arm(c.first, clock_type::now() + 50ms);
  c.deadline.arm(c.second, clock_type::now() + 300ms);
  on_first.start(c.first);
  on_second.start(c.second);
  c.io.run_for(150ms);
  EXPECT_FALSE(on_second.done) << "closed at the deadline that was replaced";
  EXPECT_FALSE(on_first.done) << "the socket of the replaced deadline was closed";
  EXPECT_FALSE(c.deadline.expired());
  c.io.run_for(500ms);
  EXPECT_TRUE(on_second.done);
  EXPECT_FALSE(c.second.is_open());
  EXPECT_TRUE(c.first.is_open());
}

TEST(socket_deadline, an_earlier_deadline_moves_the_timer_forward) {
  connections c;
  pending_read read;
  c.deadline.arm(c.first, clock_type::now() + 10s);
  c.io.run_for(20ms);
  c.deadline.arm(c.first, clock_type::now() + 80ms);
  read.start(c.first);
  c.io.run_for(600ms);
  ASSERT_TRUE(read.done) << "still waiting for the first, later deadline";
  EXPECT_EQ(c.deadline.reason(read.result), boost::beast::error::timeout);
}

TEST(socket_deadline, growing_keep_alive_deadlines_move_no_timer) {
  // One arm per request, each "now + the same limit": after the first, none is earlier than
  // what the timer waits for, so the timer is not touched (no cancellation, no handler run).
  connections c;
  c.deadline.arm(c.first, clock_type::now() + 5s);
  c.deadline.disarm();
  c.io.run_for(5ms); // the watch waits for the first deadline now
  int handlers = 0;
  for (int request = 0; request < 100; ++request) {
    c.deadline.arm(c.first, clock_type::now() + 5s);
    c.deadline.disarm();
    handlers += static_cast<int>(c.io.poll());
  }
  EXPECT_EQ(handlers, 0);
}

} // namespace
} // namespace janus::http
