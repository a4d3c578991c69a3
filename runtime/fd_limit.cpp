#include "runtime/fd_limit.hpp"

#include <sys/resource.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace janus {

namespace {

std::atomic<std::uint64_t> startup_soft{0};

std::uint64_t as_count(rlim_t value) {
  return value == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(value);
}

} // namespace

fd_limit_change raise_fd_limit() {
  fd_limit_change change;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    change.error = std::string{"getrlimit(RLIMIT_NOFILE): "} + std::strerror(errno);
    return change;
  }
  change.before = as_count(limit.rlim_cur);
  change.hard = as_count(limit.rlim_max);
  change.after = change.before;
  std::uint64_t expected = 0;
  startup_soft.compare_exchange_strong(expected, change.before);
  if (limit.rlim_cur == limit.rlim_max) {
    return change;
  }
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    change.error = std::string{"setrlimit(RLIMIT_NOFILE): "} + std::strerror(errno);
    return change;
  }
  change.after = change.hard;
  return change;
}

std::uint64_t startup_fd_limit() {
  return startup_soft.load();
}

std::uint64_t descriptors_needed(std::uint64_t containers) {
  return 2 * containers + 256;
}

std::string errno_message(std::string_view what, int err) {
  std::string message{what};
  message += ": ";
  message += std::strerror(err);
  if (err == EMFILE) {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    message += " (janusd ran out of file descriptors: its limit is "
               + std::to_string(as_count(limit.rlim_cur))
               + " open files; each process container takes one, each connection and health "
                 "probe one more: raise the hard limit, e.g. LimitNOFILE= in the systemd unit "
                 "or ulimit -Hn)";
  } else if (err == ENFILE) {
    message += " (the system's table of open files is full: raise fs.file-max)";
  }
  return message;
}

} // namespace janus
