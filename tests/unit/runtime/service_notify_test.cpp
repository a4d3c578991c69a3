#include "runtime/service_notify.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

namespace janus {
namespace {

/// A datagram socket bound where a service manager would listen, as systemd does for
/// Type=notify: it asks the kernel for the sender's credentials.
class listener {
public:
  /// Binds `name`: a path, or `@name` in the abstract namespace.
  explicit listener(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    if (name.front() == '@') {
      address.sun_path[0] = '\0';
    } else {
      length += 1;
    }
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length), 0)
      << std::strerror(errno);
    int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
  }

  ~listener() {
    ::close(fd_);
    if (name_.front() == '/') {
      ::unlink(name_.c_str());
    }
  }

  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  /// The next datagram and the pid that sent it, or nullopt after two seconds without one.
  std::optional<std::pair<std::string, pid_t>> receive() {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, 2000) != 1) {
      return std::nullopt;
    }
    char data[256];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec part{data, sizeof(data)};
    msghdr message{};
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    auto n = ::recvmsg(fd_, &message, 0);
    if (n < 0) {
      return std::nullopt;
    }
    pid_t sender = 0;
    for (auto* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred credentials{};
        std::memcpy(&credentials, CMSG_DATA(c), sizeof(credentials));
        sender = credentials.pid;
      }
    }
    return std::pair{std::string{data, static_cast<std::size_t>(n)}, sender};
  }

private:
  std::string name_;
  int fd_ = -1;
};

/// A socket path of this test process's own in the temporary directory.
std::string socket_path(const char* name) {
  auto path = std::filesystem::temp_directory_path()
              / ("janus-notify-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove(path);
  return path.string();
}

TEST(service_notify, ready_reaches_the_socket_at_the_path_and_comes_from_this_process) {
  auto path = socket_path("notify");
  listener manager{path};
  auto notice = notify_service_manager("READY=1", path.c_str());
  EXPECT_TRUE(notice.sent) << notice.error;
  auto got = manager.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, "READY=1");
  EXPECT_EQ(got->second, ::getpid()) << "systemd accepts READY=1 from the main process only";
}

TEST(service_notify, a_name_starting_with_at_is_an_abstract_socket) {
  auto name = "@janus-notify-test-" + std::to_string(::getpid());
  listener manager{name};
  auto notice = notify_service_manager("READY=1\nSTATUS=serving", name.c_str());
  EXPECT_TRUE(notice.sent) << notice.error;
  auto got = manager.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, "READY=1\nSTATUS=serving");
}

TEST(service_notify, without_notify_socket_nothing_is_sent_and_nothing_is_wrong) {
  for (const char* unset : {static_cast<const char*>(nullptr), ""}) {
    auto notice = notify_service_manager("READY=1", unset);
    EXPECT_FALSE(notice.sent);
    EXPECT_EQ(notice.error, "");
  }
}

TEST(service_notify, a_bad_address_is_an_error_that_names_notify_socket) {
  EXPECT_NE(notify_service_manager("READY=1", "run/notify").error.find("NOTIFY_SOCKET"),
            std::string::npos);
  std::string too_long = "/" + std::string(200, 'x');
  EXPECT_NE(notify_service_manager("READY=1", too_long.c_str()).error.find("NOTIFY_SOCKET"),
            std::string::npos);
}

TEST(service_notify, a_socket_nobody_listens_on_is_an_error_that_names_it) {
  auto path = socket_path("nobody");
  auto notice = notify_service_manager("READY=1", path.c_str());
  EXPECT_FALSE(notice.sent);
  EXPECT_NE(notice.error.find(path), std::string::npos) << notice.error;
}

TEST(service_notify, a_manager_that_reads_nothing_never_blocks_the_sender) {
  auto path = socket_path("full");
  listener manager{path};
  std::string error;
  for (int i = 0; i < 100'000 && error.empty(); ++i) {
    error = notify_service_manager("STATUS=filling the queue", path.c_str()).error;
  }
  EXPECT_NE(error.find("Resource temporarily unavailable"), std::string::npos) << error;
}

} // namespace
} // namespace janus
