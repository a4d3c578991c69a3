#include "runtime/netns_factory.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>

#include "runtime/fd_limit.hpp"
#include "runtime/netns.hpp"
#include "runtime/netns_worker.hpp"

namespace janus {

namespace {

bool same_file(int a, int b) {
  struct stat first {};
  struct stat second {};
  return ::fstat(a, &first) == 0 && ::fstat(b, &second) == 0 && first.st_dev == second.st_dev
         && first.st_ino == second.st_ino;
}

} // namespace

netns_factory::netns_factory(int spare_sockets) : spare_sockets_(spare_sockets) {
  int home = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) {
    throw std::runtime_error(errno_message("cannot open janusd's own network namespace "
                                           "(/proc/self/ns/net)",
                                           errno));
  }
  worker_ = std::make_shared<worker>(home);
  thread_ = std::thread{[worker = worker_] { worker->run(); }};
}

netns_factory::~netns_factory() {
  stop();
}

result<std::shared_ptr<netns>> netns_factory::open(pid_t pid) {
  if (pid <= 0) {
    return error_info{errc::no_capacity, "has no process (pid " + std::to_string(pid) + ")"};
  }
  auto path = "/proc/" + std::to_string(pid) + "/ns/net";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return error_info{errc::no_capacity,
                      errno_message("cannot open its network namespace " + path, errno)};
  }
  if (same_file(fd, worker_->home_fd())) {
    ::close(fd);
    return error_info{errc::no_capacity, "shares janusd's own network namespace (process "
                                           + std::to_string(pid) + "): refused"};
  }
  return std::make_shared<netns>(fd, worker_, spare_sockets_);
}

void netns_factory::stop() {
  worker_->stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

} // namespace janus
