#include "runtime/netns_factory.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <future>
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

std::optional<error_info> netns_factory::check() {
  auto answer = std::make_shared<std::promise<int>>();
  auto got = answer->get_future();
  bool queued = worker_->post([worker = worker_, answer] {
    answer->set_value(::setns(worker->home_fd(), CLONE_NEWNET) == 0 ? 0 : errno);
  });
  if (!queued) {
    return error_info{errc::shutting_down, "the socket factory has stopped"};
  }
  if (got.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    return error_info{errc::internal, "the socket factory's thread did not answer within 5 s"};
  }
  if (int err = got.get(); err != 0) {
    return error_info{errc::internal,
                      errno_message("cannot switch network namespaces (setns)", err)
                        + (err == EPERM ? " (janusd needs CAP_SYS_ADMIN: run it as root)" : "")};
  }
  return std::nullopt;
}

void netns_factory::stop() {
  worker_->stop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

} // namespace janus
