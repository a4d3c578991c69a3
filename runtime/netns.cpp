#include "runtime/netns.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "logging/event.hpp"
#include "runtime/fd_limit.hpp"
#include "runtime/netns_worker.hpp"

namespace janus {

namespace {

error_info gone() {
  return error_info{errc::upstream_failed, "the container is gone (its network namespace is closed)"};
}

error_info stopping() {
  return error_info{errc::shutting_down, "janusd is stopping: the socket factory takes no work"};
}

int new_socket() {
  return ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/// A listening socket on 127.0.0.1:`port`, made in the calling thread's namespace; -1 with errno
/// and `step` naming the call that failed.
int new_listener(std::uint16_t port, int backlog, const char*& step) {
  step = "socket";
  int fd = new_socket();
  if (fd < 0) {
    return -1;
  }
  int on = 1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  step = "setsockopt(SO_REUSEADDR)";
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0) {
    step = "bind";
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
      step = "listen";
      if (::listen(fd, backlog) == 0) {
        return fd;
      }
    }
  }
  int saved = errno;
  ::close(fd);
  errno = saved;
  return -1;
}

void close_all(const std::vector<int>& fds) {
  for (int fd : fds) {
    ::close(fd);
  }
}

} // namespace

// -- the factory's thread --------------------------------------------------------------------

netns_factory::worker::worker(int home_fd) : home_fd_(home_fd) {
}

netns_factory::worker::~worker() {
  ::close(home_fd_);
}

bool netns_factory::worker::post(std::function<void()> job) {
  {
    std::lock_guard lock{mutex_};
    if (stopping_) {
      return false;
    }
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void netns_factory::worker::run() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock{mutex_};
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

void netns_factory::worker::stop() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
}

bool netns_factory::worker::stopping() const {
  std::lock_guard lock{mutex_};
  return stopping_;
}

// -- one namespace -----------------------------------------------------------------------------

netns::netns(int fd, std::shared_ptr<netns_factory::worker> worker, int spare_sockets)
  : worker_(std::move(worker)), spare_target_(spare_sockets), fd_(fd) {
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    inode_ = st.st_ino;
  }
}

netns::~netns() {
  close();
}

int netns::take_spare() {
  std::unique_lock lock{mutex_};
  if (fd_ < 0) {
    return -1;
  }
  int fd = -1;
  if (!spares_.empty()) {
    fd = spares_.back();
    spares_.pop_back();
  }
  int refill = claim_refill_locked();
  lock.unlock();
  post_refill(refill);
  return fd;
}

void netns::make_socket(socket_handler done) {
  std::unique_lock lock{mutex_};
  if (fd_ < 0) {
    lock.unlock();
    done(gone());
    return;
  }
  int refill = claim_refill_locked();
  lock.unlock();
  auto self = shared_from_this();
  auto answer = std::make_shared<socket_handler>(std::move(done));
  bool queued = worker_->post([self, refill, answer] {
    if (self->worker_->stopping()) {
      if (refill > 0) {
        self->keep_spares({});
      }
      (*answer)(stopping());
      return;
    }
    auto made = self->run_visit(visit{1 + refill});
    if (made.sockets.empty()) {
      if (refill > 0) {
        self->keep_spares({});
      }
      (*answer)(error_info{made.own_shortage ? errc::engine_overloaded : errc::upstream_failed,
                           made.error});
      return;
    }
    int fd = made.sockets.back();
    made.sockets.pop_back();
    if (refill > 0) {
      self->keep_spares(std::move(made.sockets));
    }
    if (self->closed()) {
      ::close(fd);
      (*answer)(gone());
      return;
    }
    (*answer)(fd);
  });
  if (!queued) {
    if (refill > 0) {
      keep_spares({});
    }
    (*answer)(stopping());
  }
}

void netns::make_listener(std::uint16_t port, int backlog, listener_handler done) {
  std::unique_lock lock{mutex_};
  if (fd_ < 0) {
    lock.unlock();
    done(gone());
    return;
  }
  int refill = claim_refill_locked();
  lock.unlock();
  auto self = shared_from_this();
  auto answer = std::make_shared<listener_handler>(std::move(done));
  bool queued = worker_->post([self, refill, port, backlog, answer] {
    if (self->worker_->stopping()) {
      if (refill > 0) {
        self->keep_spares({});
      }
      (*answer)(stopping());
      return;
    }
    auto made = self->run_visit(visit{refill, true, port, backlog});
    if (refill > 0) {
      self->keep_spares(std::move(made.sockets));
    }
    if (made.listener < 0) {
      (*answer)(error_info{errc::no_capacity, made.error});
      return;
    }
    (*answer)(made.listener);
  });
  if (!queued) {
    if (refill > 0) {
      keep_spares({});
    }
    (*answer)(stopping());
  }
}

void netns::fill_spares() {
  std::unique_lock lock{mutex_};
  if (fd_ < 0) {
    return;
  }
  int refill = claim_refill_locked();
  lock.unlock();
  post_refill(refill);
}

void netns::post_refill(int refill) {
  if (refill == 0) {
    return;
  }
  auto self = shared_from_this();
  bool queued = worker_->post([self, refill] {
    if (self->worker_->stopping()) {
      self->keep_spares({});
      return;
    }
    auto made = self->run_visit(visit{refill});
    self->keep_spares(std::move(made.sockets));
  });
  if (!queued) {
    keep_spares({});
  }
}

void netns::close() {
  std::vector<int> spares;
  int fd = -1;
  {
    std::lock_guard lock{mutex_};
    fd = fd_;
    fd_ = -1;
    spares.swap(spares_);
  }
  close_all(spares);
  if (fd >= 0) {
    ::close(fd);
  }
}

bool netns::closed() const {
  std::lock_guard lock{mutex_};
  return fd_ < 0;
}

int netns::claim_refill_locked() {
  auto have = static_cast<int>(spares_.size());
  if (refilling_ || have >= spare_target_) {
    return 0;
  }
  refilling_ = true;
  return spare_target_ - have;
}

void netns::keep_spares(std::vector<int> made) {
  std::unique_lock lock{mutex_};
  refilling_ = false;
  if (fd_ < 0) {
    lock.unlock();
    close_all(made);
    return;
  }
  spares_.insert(spares_.end(), made.begin(), made.end());
}

netns::visit_result netns::run_visit(const visit& what) {
  visit_result out;
  {
    // Under the lock: close() can not hand the descriptor's number to another file meanwhile.
    std::lock_guard lock{mutex_};
    if (fd_ < 0) {
      out.error = gone().message;
      return out;
    }
    if (::setns(fd_, CLONE_NEWNET) != 0) {
      out.error = errno_message("cannot enter the container's network namespace (setns)", errno)
                  + (errno == EPERM ? " (network: isolated needs janusd to run as root)" : "");
      return out;
    }
  }
  for (int i = 0; i < what.sockets; ++i) {
    int fd = new_socket();
    if (fd < 0) {
      out.own_shortage = errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
      out.error = errno_message("cannot make a socket in the container's network namespace",
                                errno);
      break;
    }
    out.sockets.push_back(fd);
  }
  if (what.listener && out.error.empty()) {
    const char* step = "";
    out.listener = new_listener(what.port, what.backlog, step);
    if (out.listener < 0) {
      out.error = errno_message("cannot listen on 127.0.0.1:" + std::to_string(what.port)
                                  + " in the container's network namespace (" + step + ")",
                                errno);
    }
  }
  if (::setns(worker_->home_fd(), CLONE_NEWNET) != 0) {
    // Harmless for correctness (every visit enters its target before it makes anything), but
    // the thread keeps the container's namespace alive until its next visit.
    static std::atomic<bool> logged{false};
    if (!logged.exchange(true)) {
      logging::event{"netns: cannot return to janusd's own network namespace"}
        .field("error", errno_message("setns", errno))
        .error();
    }
  }
  return out;
}

} // namespace janus
