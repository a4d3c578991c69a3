#include "runtime/docker_logs.hpp"

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <chrono>

namespace janus {
namespace {

using namespace std::chrono_literals;

TEST(docker_logs, the_stream_path_asks_for_both_streams_followed_from_since_in_engine_format) {
  EXPECT_EQ(docker_logs::logs_path("abc123", 0),
            "/containers/abc123/logs?follow=1&stdout=1&stderr=1&since=0");
  EXPECT_EQ(docker_logs::logs_path("abc123", 1700000000'000000042),
            "/containers/abc123/logs?follow=1&stdout=1&stderr=1&since=1700000000.000000042");
}

TEST(docker_logs, a_stream_that_cannot_open_is_given_back_and_its_container_logs_closed) {
  boost::asio::io_context io;
  docker::client api{"/nonexistent/docker.sock", 1000ms};
  container_logs logs{container_log_limits{}};
  docker_logs followers{io.get_executor(), api, logs};
  followers.follow("c1", "m");
  EXPECT_EQ(followers.followed(), 1u);
  io.run_for(2s);
  EXPECT_EQ(followers.followed(), 0u) << "a follower stayed after its stream failed";
  ASSERT_TRUE(logs.tail("c1", 10).has_value()) << "its lines are kept for the admin route";
  logs.line("c1", log_stream::stdout_stream, "after the end", false);
  EXPECT_TRUE(logs.tail("c1", 10)->empty()) << "its logs are closed";
}

TEST(docker_logs, forget_and_forget_all_give_every_stream_back_at_once) {
  boost::asio::io_context io;
  docker::client api{"/nonexistent/docker.sock", 1000ms};
  container_logs logs{container_log_limits{}};
  docker_logs followers{io.get_executor(), api, logs};
  followers.follow("c1", "m");
  followers.follow("c2", "m");
  followers.follow("c2", "m"); // again: afresh, still one stream
  EXPECT_EQ(followers.followed(), 2u);
  followers.forget("c1");
  followers.forget("unknown");
  EXPECT_EQ(followers.followed(), 1u);
  followers.forget_all();
  EXPECT_EQ(followers.followed(), 0u);
  io.run_for(2s); // the coroutines end without touching what they followed
  EXPECT_EQ(followers.followed(), 0u);
}

} // namespace
} // namespace janus
