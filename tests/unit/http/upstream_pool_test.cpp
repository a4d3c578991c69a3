// http/upstream_pool.hpp: the idle keep-alive connections to containers. A connection given back
// is taken again (the newest first) until it is used; one whose container closed it meanwhile is
// dropped; each container keeps max_idle at most (the oldest goes); prune() closes the old ones.

#include "http/upstream_pool.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace janus::http {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// Loopback connections: `ours` (what the pool keeps) and the container's end of each.
struct loopback {
  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::address_v4::loopback(), 0}};
  std::vector<tcp::socket> theirs;

  tcp::socket connect() {
    tcp::socket ours{io};
    ours.connect(acceptor.local_endpoint());
    theirs.push_back(acceptor.accept());
    return ours;
  }

  /// A new connection given back to `pool` for `container`; its descriptor.
  int give(upstream_pool& pool, const std::string& container) {
    auto ours = connect();
    auto handle = ours.native_handle();
    pool.give_back(container, std::move(ours));
    return handle;
  }
};

/// The descriptor of what take() gave (native_handle is not const), or -1 for nothing.
template <class Taken>
int handle_of(Taken&& socket) {
  return socket ? socket->native_handle() : -1;
}

TEST(upstream_pool, a_connection_given_back_is_taken_once_and_again_after_the_next_give_back) {
  loopback net;
  upstream_pool pool{4, 60s};
  EXPECT_FALSE(pool.take("c1"));
  auto handle = net.give(pool, "c1");
  EXPECT_EQ(pool.idle_count(), 1u);

  auto taken = pool.take("c1");
  EXPECT_EQ(handle_of(taken), handle);
  EXPECT_FALSE(pool.take("c1")) << "a connection in use is nobody else's";
  EXPECT_FALSE(pool.take("c2")) << "another container's connections are not these";
  EXPECT_EQ(pool.idle_count(), 0u);

  // The emptied entry is kept for the next give_back: it must still hand the connection back.
  pool.give_back("c1", std::move(*taken));
  EXPECT_EQ(handle_of(pool.take("c1")), handle);
}

TEST(upstream_pool, the_newest_connection_comes_first) {
  loopback net;
  upstream_pool pool{4, 60s};
  auto older_handle = net.give(pool, "c1");
  auto newer_handle = net.give(pool, "c1");
  EXPECT_EQ(handle_of(pool.take("c1")), newer_handle);
  EXPECT_EQ(handle_of(pool.take("c1")), older_handle);
}

TEST(upstream_pool, a_connection_the_container_closed_while_idle_is_dropped) {
  loopback net;
  upstream_pool pool{4, 60s};
  auto kept_handle = net.give(pool, "c1");
  net.give(pool, "c1");
  net.theirs.back().close(); // the newer one's container end goes: its FIN is queued
  EXPECT_EQ(handle_of(pool.take("c1")), kept_handle) << "the closed one is skipped";
  EXPECT_FALSE(pool.take("c1"));
}

TEST(upstream_pool, a_connection_with_unasked_bytes_is_dropped) {
  loopback net;
  upstream_pool pool{4, 60s};
  pool.give_back("c1", net.connect());
  asio::write(net.theirs.back(), asio::buffer("HTTP/1.1 200 OK\r\n", 17));
  EXPECT_FALSE(pool.take("c1"));
}

TEST(upstream_pool, each_container_keeps_max_idle_and_the_oldest_goes) {
  loopback net;
  upstream_pool pool{2, 60s};
  auto oldest_handle = net.give(pool, "c1");
  pool.give_back("c1", net.connect());
  pool.give_back("c1", net.connect());
  pool.give_back("c2", net.connect());
  EXPECT_EQ(pool.idle_count(), 3u);
  for (int i = 0; i < 2; ++i) {
    auto taken = pool.take("c1");
    ASSERT_TRUE(taken);
    EXPECT_NE(taken->native_handle(), oldest_handle);
  }
  EXPECT_FALSE(pool.take("c1"));
}

TEST(upstream_pool, prune_closes_connections_past_their_age_and_take_does_not_reuse_them) {
  loopback net;
  upstream_pool pool{4, 1ms};
  pool.give_back("c1", net.connect());
  pool.give_back("c2", net.connect());
  std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(pool.take("c1")) << "too old to reuse";
  pool.prune();
  EXPECT_EQ(pool.idle_count(), 0u);
  EXPECT_FALSE(pool.take("c2"));
}

TEST(upstream_pool, max_idle_zero_keeps_nothing) {
  loopback net;
  upstream_pool pool{0, 60s};
  pool.give_back("c1", net.connect());
  EXPECT_EQ(pool.idle_count(), 0u);
  EXPECT_FALSE(pool.take("c1"));
}

} // namespace
} // namespace janus::http
