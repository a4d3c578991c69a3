// The socket factory against real network namespaces: a child process unshares its own (no
// Docker needed), brings its loopback up and serves on it; the test reaches it only through
// sockets the factory made inside. Needs root (setns and unshare need CAP_SYS_ADMIN).

#include "runtime/netns.hpp"
#include "runtime/netns_factory.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

namespace janus {
namespace {

using namespace std::chrono_literals;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

/// A listener on 127.0.0.1:`port` of the calling thread's namespace; -1 on failure.
int listen_on(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  auto address = loopback(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0
      || ::listen(fd, 16) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// The port a listener is bound to.
std::uint16_t port_of(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

/// Answers every connection on `fd` with `text`, then closes it, until the thread's process ends.
[[noreturn]] void serve_forever(int fd, const char* text) {
  while (true) {
    int peer = ::accept(fd, nullptr, nullptr);
    if (peer >= 0) {
      [[maybe_unused]] auto n = ::write(peer, text, std::char_traits<char>::length(text));
      ::close(peer);
    }
  }
}

/// Connects `fd` (made anywhere) to 127.0.0.1:`port` and reads what the server says until it
/// closes; "refused" when nothing listens there, "error" for any other failure. Owns `fd`.
std::string connect_and_read(int fd, std::uint16_t port) {
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  auto address = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    int err = errno;
    ::close(fd);
    return err == ECONNREFUSED ? "refused" : "error";
  }
  std::string text;
  char buffer[64];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

/// A child process in a network namespace of its own with `lo` up, answering "inside" on its
/// 127.0.0.1:`port`. Killed and reaped by the destructor.
class namespaced_child {
public:
  explicit namespaced_child(std::uint16_t port) {
    int ready[2];
    EXPECT_EQ(::pipe(ready), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      if (::unshare(CLONE_NEWNET) != 0) {
        ::_exit(3);
      }
      int control = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      ifreq lo{};
      std::strncpy(lo.ifr_name, "lo", IFNAMSIZ - 1);
      ::ioctl(control, SIOCGIFFLAGS, &lo);
      lo.ifr_flags |= IFF_UP;
      if (::ioctl(control, SIOCSIFFLAGS, &lo) != 0) {
        ::_exit(4);
      }
      int fd = listen_on(port);
      if (fd < 0) {
        ::_exit(5);
      }
      [[maybe_unused]] auto n = ::write(ready[1], "x", 1);
      serve_forever(fd, "inside");
    }
    ::close(ready[1]);
    char byte = 0;
    ready_ = ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
  }

  ~namespaced_child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const {
    return pid_;
  }

  bool ready() const {
    return ready_;
  }

private:
  pid_t pid_ = -1;
  bool ready_ = false;
};

/// The open descriptors of this process.
std::size_t open_fds() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

/// What a factory call answered, waited for (a test may block).
result<int> made_socket(netns& ns) {
  std::promise<result<int>> answer;
  auto got = answer.get_future();
  ns.make_socket([&answer](result<int> made) { answer.set_value(std::move(made)); });
  if (got.wait_for(5s) != std::future_status::ready) {
    return error_info{errc::internal, "no answer within 5 s"};
  }
  return got.get();
}

result<int> made_listener(netns& ns, std::uint16_t port) {
  std::promise<result<int>> answer;
  auto got = answer.get_future();
  ns.make_listener(port, 16, [&answer](result<int> made) { answer.set_value(std::move(made)); });
  if (got.wait_for(5s) != std::future_status::ready) {
    return error_info{errc::internal, "no answer within 5 s"};
  }
  return got.get();
}

class netns_factory_test : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      if (const char* ci = std::getenv("CI"); ci != nullptr && std::string{ci} == "true") {
        FAIL() << "CI=true and the network namespace tests need root (setns, unshare)";
      }
      GTEST_SKIP() << "network namespace tests skipped: they need root (setns, unshare)";
    }
    // A port in use on the host's loopback, that the child's namespace serves as well: only a
    // socket made inside reaches the child's.
    host_listener_ = listen_on(0);
    ASSERT_GE(host_listener_, 0);
    port_ = port_of(host_listener_);
    host_server_ = std::thread{[fd = host_listener_] {
      while (true) {
        int peer = ::accept(fd, nullptr, nullptr);
        if (peer < 0) {
          return;
        }
        [[maybe_unused]] auto n = ::write(peer, "host", 4);
        ::close(peer);
      }
    }};
    child_.emplace(port_);
    ASSERT_TRUE(child_->ready()) << "the child could not make its namespace";
  }

  void TearDown() override {
    child_.reset();
    if (host_listener_ >= 0) {
      ::shutdown(host_listener_, SHUT_RDWR);
      ::close(host_listener_);
    }
    if (host_server_.joinable()) {
      host_server_.join();
    }
  }

  int host_listener_ = -1;
  std::thread host_server_;
  std::uint16_t port_ = 0;
  std::optional<namespaced_child> child_;
};

TEST_F(netns_factory_test, a_socket_it_makes_reaches_the_namespaces_own_loopback_not_the_hosts) {
  netns_factory factory{0};
  auto ns = factory.open(child_->pid());
  ASSERT_TRUE(ns) << ns.error().message;
  auto host_socket = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_EQ(connect_and_read(host_socket, port_), "host") << "the same port on the host";
  auto made = made_socket(*ns.value());
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(connect_and_read(made.value(), port_), "inside");
}

TEST_F(netns_factory_test, spares_are_ready_at_once_and_refilled_after_each_take) {
  netns_factory factory{3};
  auto opened = factory.open(child_->pid());
  ASSERT_TRUE(opened) << opened.error().message;
  auto& ns = *opened.value();
  ns.fill_spares();
  int first = -1;
  for (int i = 0; i < 500 && first < 0; ++i) {
    first = ns.take_spare();
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_GE(first, 0) << "no spare within 500 ms";
  EXPECT_EQ(connect_and_read(first, port_), "inside");
  // The take asked for a refill: three spares again, each made inside.
  std::vector<int> taken;
  for (int i = 0; i < 500 && taken.size() < 3; ++i) {
    if (int fd = ns.take_spare(); fd >= 0) {
      taken.push_back(fd);
    } else {
      std::this_thread::sleep_for(1ms);
    }
  }
  ASSERT_EQ(taken.size(), 3u);
  for (int fd : taken) {
    EXPECT_EQ(connect_and_read(fd, port_), "inside");
  }
}

TEST_F(netns_factory_test, a_listener_made_inside_answers_inside_and_is_invisible_from_the_host) {
  netns_factory factory{0};
  auto opened = factory.open(child_->pid());
  ASSERT_TRUE(opened) << opened.error().message;
  auto& ns = *opened.value();
  // A port that nothing uses on the host.
  int probe = listen_on(0);
  auto platform_port = port_of(probe);
  ::close(probe);
  auto listener = made_listener(ns, platform_port);
  ASSERT_TRUE(listener) << listener.error().message;
  std::thread server{[fd = listener.value()] {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    int peer = ::accept(fd, nullptr, nullptr);
    if (peer >= 0) {
      [[maybe_unused]] auto n = ::write(peer, "platform", 8);
      ::close(peer);
    }
  }};
  EXPECT_EQ(connect_and_read(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), platform_port),
            "refused")
    << "the host's loopback does not see it";
  auto inside = made_socket(ns);
  ASSERT_TRUE(inside) << inside.error().message;
  EXPECT_EQ(connect_and_read(inside.value(), platform_port), "platform");
  server.join();
  ::close(listener.value());
}

TEST_F(netns_factory_test, once_closed_it_makes_nothing_and_gives_every_descriptor_back) {
  auto before = open_fds();
  {
    netns_factory factory{4};
    auto opened = factory.open(child_->pid());
    ASSERT_TRUE(opened) << opened.error().message;
    auto ns = opened.value();
    ns->fill_spares();
    for (int i = 0; i < 500 && open_fds() < before + 1 + 4 + 1; ++i) {
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_GE(open_fds(), before + 1 + 4) << "the namespace and its four spares";
    ns->close();
    EXPECT_TRUE(ns->closed());
    EXPECT_EQ(ns->take_spare(), -1);
    auto made = made_socket(*ns);
    ASSERT_FALSE(made);
    EXPECT_NE(made.error().message.find("the container is gone"), std::string::npos);
    auto listener = made_listener(*ns, 9000);
    EXPECT_FALSE(listener);
  }
  EXPECT_EQ(open_fds(), before) << "the factory's own namespace descriptor too";
}

TEST_F(netns_factory_test, it_refuses_janusds_own_namespace_and_a_process_that_is_gone) {
  netns_factory factory{0};
  auto own = factory.open(::getpid());
  ASSERT_FALSE(own);
  EXPECT_NE(own.error().message.find("shares janusd's own network namespace"), std::string::npos)
    << own.error().message;
  auto none = factory.open(0);
  EXPECT_FALSE(none);
  auto gone = factory.open(std::numeric_limits<pid_t>::max());
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().message.find("/ns/net"), std::string::npos) << gone.error().message;
}

TEST_F(netns_factory_test, after_stop_every_call_answers_at_once_with_an_error) {
  netns_factory factory{2};
  auto opened = factory.open(child_->pid());
  ASSERT_TRUE(opened) << opened.error().message;
  factory.stop();
  auto made = made_socket(*opened.value());
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, errc::shutting_down);
  EXPECT_EQ(opened.value()->take_spare(), -1);
}

} // namespace
} // namespace janus
