#include "logging/batching_sink.hpp"

#include <gtest/gtest.h>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace janus::logging {
namespace {

using namespace std::chrono_literals;

/// A sink writing into a SOCK_SEQPACKET socket pair, so that the test reads each write(2) as
/// one message and sees where the sink cut.
class logging_batching_sink : public ::testing::Test {
protected:
  logging_batching_sink() {
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds_), 0);
    int size = 1 << 20;
    ::setsockopt(fds_[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    ::setsockopt(fds_[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }

  ~logging_batching_sink() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }

  std::shared_ptr<spdlog::logger> logger(std::chrono::milliseconds interval, std::size_t max) {
    auto sink = std::make_shared<batching_sink>(fds_[0], interval, max);
    sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%v"));
    return std::make_shared<spdlog::logger>("test", sink);
  }

  /// Every write the sink made so far, one per element.
  std::vector<std::string> writes() {
    std::vector<std::string> out;
    char buffer[65536];
    while (true) {
      auto n = ::recv(fds_[1], buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n <= 0) {
        return out;
      }
      out.emplace_back(buffer, static_cast<std::size_t>(n));
    }
  }

  int fds_[2] = {-1, -1};
};

TEST_F(logging_batching_sink, lines_go_out_whole_in_order_in_writes_of_at_most_4096_bytes) {
  {
    auto log = logger(10s, 1 << 20);
    for (int i = 0; i < 200; ++i) {
      log->info("line {:03} {}", i, std::string(90, 'x'));
    }
  } // the sink writes what is left when it goes
  std::string all;
  auto parts = writes();
  ASSERT_GT(parts.size(), 1u);
  for (const auto& part : parts) {
    EXPECT_LE(part.size(), 4096u);
    EXPECT_EQ(part.back(), '\n') << "a write ends with a whole line";
    all += part;
  }
  EXPECT_EQ(all.size(), 200u * (9 + 90 + 1));
  EXPECT_EQ(all.substr(0, 9), "line 000 ");
  EXPECT_EQ(all.substr(all.size() - 100, 9), "line 199 ");
}

TEST_F(logging_batching_sink, a_line_longer_than_4096_bytes_goes_alone) {
  {
    auto log = logger(10s, 1 << 20);
    log->info("short");
    log->info("{}", std::string(5000, 'y'));
    log->info("after");
  }
  auto parts = writes();
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "short\n");
  EXPECT_EQ(parts[1].size(), 5001u);
  EXPECT_EQ(parts[2], "after\n");
}

TEST_F(logging_batching_sink, lines_are_written_within_the_interval_without_a_flush) {
  auto log = logger(20ms, 1 << 20);
  log->info("soon");
  std::vector<std::string> parts;
  for (int i = 0; i < 100 && parts.empty(); ++i) {
    std::this_thread::sleep_for(10ms);
    parts = writes();
  }
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0], "soon\n");
}

TEST_F(logging_batching_sink, beyond_the_buffer_limit_lines_are_dropped_and_counted) {
  {
    auto log = logger(10s, 250);
    for (int i = 0; i < 10; ++i) {
      log->info("{:099}", i); // 100 bytes with the newline
    }
  }
  std::string all;
  for (const auto& part : writes()) {
    all += part;
  }
  EXPECT_EQ(all.substr(0, 200), std::string(98, '0') + "0\n" + std::string(98, '0') + "1\n");
  EXPECT_NE(all.find("8 log line(s) dropped"), std::string::npos) << all;
}

} // namespace
} // namespace janus::logging
