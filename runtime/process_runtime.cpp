#include "runtime/process_runtime.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "runtime/child_environment.hpp"
#include "runtime/fd_limit.hpp"

extern char** environ;

namespace janus {

namespace {

/// waitid's P_PIDFD (Linux 5.4), not named by every libc header.
constexpr auto p_pidfd = static_cast<idtype_t>(3);

/// A free TCP port on 127.0.0.1, as the kernel hands it out for bind(0).
result<std::uint16_t> free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return error_info{errc::no_capacity, errno_message("socket", errno)};
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    auto message = errno_message("bind 127.0.0.1:0", errno);
    ::close(fd);
    return error_info{errc::no_capacity, std::move(message)};
  }
  ::close(fd);
  return static_cast<std::uint16_t>(ntohs(addr.sin_port));
}

std::string describe_status(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) {
    return "exited with status " + std::to_string(info.si_status);
  }
  return "killed by signal " + std::to_string(info.si_status) + " ("
         + ::strsignal(info.si_status) + ")";
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> result;
  result.reserve(strings.size() + 1);
  for (auto& s : strings) {
    result.push_back(s.data());
  }
  result.push_back(nullptr);
  return result;
}

} // namespace

process_runtime::process_runtime(boost::asio::io_context& io, std::vector<std::string> inherit_env,
                                 std::vector<std::string> withheld, platform_endpoints* platform,
                                 container_logs* logs)
  : io_(io),
    platform_(platform),
    inherit_env_(std::move(inherit_env)),
    withheld_(std::move(withheld)),
    logs_(logs) {
}

process_runtime::~process_runtime() {
  for (auto& [key, l] : launches_) {
    ::kill(-l.pid, SIGKILL);
    ::kill(l.pid, SIGKILL);
    siginfo_t info{};
    ::waitid(P_PID, static_cast<id_t>(l.pid), &info, WEXITED);
    close_platform(l.id);
  }
  for (auto& [id, c] : children_) {
    ::kill(-c.pid, SIGKILL);
    ::kill(c.pid, SIGKILL);
    siginfo_t info{};
    ::waitid(P_PID, static_cast<id_t>(c.pid), &info, WEXITED);
    close_platform(id);
  }
  std::vector<std::uint64_t> keys;
  for (const auto& [key, reader] : readers_) {
    keys.push_back(key);
  }
  for (auto key : keys) {
    finish_output(key);
  }
}

void process_runtime::close_platform(const std::string& id) {
  if (platform_ != nullptr) {
    platform_->close(id);
  }
}

std::string process_runtime::name() const {
  return "process";
}

std::string process_runtime::resolve_executable(const std::string& name) {
  namespace fs = std::filesystem;
  auto executable = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.empty()) {
    return {};
  }
  if (name.find('/') != std::string::npos) {
    return executable(name) ? name : std::string{};
  }
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto beside = self.parent_path() / name;
    if (executable(beside)) {
      return beside.string();
    }
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    auto dir = dirs.substr(0, colon);
    if (!dir.empty()) {
      auto candidate = fs::path{std::string{dir}} / name;
      if (executable(candidate)) {
        return candidate.string();
      }
    }
    if (colon == std::string_view::npos) {
      break;
    }
    dirs.remove_prefix(colon + 1);
  }
  return {};
}

void process_runtime::start(container_spec spec, start_handler on_started, exit_handler on_exit) {
  boost::asio::post(io_, [this, spec = std::move(spec), on_started = std::move(on_started),
                          on_exit = std::move(on_exit),
                          asked = std::chrono::steady_clock::now()]() mutable {
    do_start(spec, on_started, on_exit, asked);
  });
}

void process_runtime::do_start(container_spec& spec, start_handler& on_started,
                               exit_handler& on_exit, std::chrono::steady_clock::time_point asked) {
  auto fail = [&on_started](std::string message) {
    on_started(error_info{errc::no_capacity, std::move(message)});
  };
  if (spec.command.empty()) {
    return fail("model " + spec.model + " has no command to run");
  }
  auto path = resolve_executable(spec.command.front());
  if (path.empty()) {
    return fail("cannot find an executable named '" + spec.command.front()
                + "' (looked beside janusd and in PATH)");
  }
  auto id = spec.model + "-" + std::to_string(next_id_++);
  auto overlay = spec.env;
  if (platform_ != nullptr) {
    // Before the fork: the child may call its endpoint in its first instruction. Before the
    // child's port too: that port is free only until its probe socket closes, and the endpoint's
    // own bind to port 0 could be handed the same one (seen: the child then failed to listen).
    auto grant = platform_->open(endpoint_owner{spec.model, id});
    if (!grant) {
      return fail(grant.error().message);
    }
    for (auto& [key, value] : grant.value().env) {
      overlay[key] = std::move(value);
    }
  }
  auto port = free_loopback_port();
  if (!port) {
    close_platform(id);
    return fail(port.error().message);
  }
  overlay["PORT"] = std::to_string(port.value());
  overlay["HOST"] = "127.0.0.1";
  auto env_strings = child_environment(environ, inherit_env_, withheld_, overlay);
  auto envp = pointers_to(env_strings);
  auto argv_strings = spec.command;
  argv_strings.front() = path;
  auto argv = pointers_to(argv_strings);

  // The child reports a failed exec through this pipe; a successful exec closes it (CLOEXEC).
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    close_platform(id);
    return fail(errno_message("pipe", errno));
  }
  // The child's stdout and stderr, read here (with logs_), else janusd's own.
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  auto close_pipes = [&out, &err] {
    for (int fd : {out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  };
  if (logs_ != nullptr && (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)) {
    auto message = errno_message("pipe", errno);
    close_pipes();
    ::close(report[0]);
    ::close(report[1]);
    close_platform(id);
    return fail(std::move(message));
  }
  // The child gets the fd limit janusd started with, not the one janusd raised for itself.
  rlimit child_fds{};
  ::getrlimit(RLIMIT_NOFILE, &child_fds);
  if (auto startup = startup_fd_limit(); startup != 0 && startup < child_fds.rlim_cur) {
    child_fds.rlim_cur = static_cast<rlim_t>(startup);
  }
  auto parent = ::getpid();
  auto pid = ::fork();
  if (pid < 0) {
    auto message = errno_message("fork", errno);
    ::close(report[0]);
    ::close(report[1]);
    close_pipes();
    close_platform(id);
    return fail(std::move(message));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls from here to exec.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    sigset_t all;
    sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    ::setrlimit(RLIMIT_NOFILE, &child_fds);
    for (int sig = 1; sig < NSIG; ++sig) {
      ::signal(sig, SIG_DFL);
    }
    if (out[1] >= 0) {
      // Into 1 and 2 first: a pipe end that is fd 3 is copied before fd 3 is taken.
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
    }
    if (report[1] != 3) {
      ::dup2(report[1], 3);
    }
    ::fcntl(3, F_SETFD, FD_CLOEXEC);
    ::syscall(SYS_close_range, 4U, ~0U, 0U);
    ::execve(argv[0], argv.data(), envp.data());
    int err = errno;
    [[maybe_unused]] auto n = ::write(3, &err, sizeof(err));
    ::_exit(127);
  }
  ::setpgid(pid, pid); // also from the parent, so the group exists before any kill(-pid)
  ::close(report[1]);
  if (logs_ != nullptr) {
    ::close(out[1]);
    ::close(err[1]);
    logs_->open(id, spec.model);
    read_output(id, log_stream::stdout_stream, out[0]);
    read_output(id, log_stream::stderr_stream, err[0]);
  }
  // The report comes when the child has exec'd (or failed to): waiting for it here would hold
  // this thread for the child's whole way to exec, one start after the other.
  auto key = next_launch_++;
  auto& l = launches_[key];
  l.pid = pid;
  l.model = spec.model;
  l.id = std::move(id);
  l.path = std::move(path);
  l.target = endpoint{"127.0.0.1", port.value()};
  l.report = std::make_unique<boost::asio::posix::stream_descriptor>(io_, report[0]);
  l.asked = asked;
  l.on_started = std::move(on_started);
  l.on_exit = std::move(on_exit);
  boost::asio::async_read(*l.report, boost::asio::buffer(&l.exec_errno, sizeof(l.exec_errno)),
                          [this, key](boost::system::error_code ec, std::size_t reported) {
                            if (ec == boost::asio::error::operation_aborted) {
                              return;
                            }
                            finish_start(key, reported);
                          });
}

void process_runtime::finish_start(std::uint64_t key, std::size_t reported) {
  auto it = launches_.find(key);
  if (it == launches_.end()) {
    return;
  }
  auto l = std::move(it->second);
  launches_.erase(it);
  l.report.reset();
  if (reported == sizeof(l.exec_errno)) {
    siginfo_t info{};
    ::waitid(P_PID, static_cast<id_t>(l.pid), &info, WEXITED);
    close_platform(l.id);
    drain_output(l.id);
    l.on_started(error_info{errc::no_capacity,
                            "cannot execute " + l.path + ": " + std::strerror(l.exec_errno)});
    return;
  }
  auto id = l.id;
  child c;
  c.pid = l.pid;
  c.target = l.target;
  c.on_exit = std::move(l.on_exit);
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, l.pid, 0));
  if (pidfd < 0) {
    auto message = errno_message("pidfd_open", errno);
    ::kill(-l.pid, SIGKILL);
    siginfo_t info{};
    ::waitid(P_PID, static_cast<id_t>(l.pid), &info, WEXITED);
    close_platform(l.id);
    drain_output(l.id);
    l.on_started(error_info{errc::no_capacity, std::move(message)});
    return;
  }
  ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  c.pidfd = std::make_unique<boost::asio::posix::stream_descriptor>(io_, pidfd);
  children_.emplace(id, std::move(c));
  watch_exit(id);
  auto spawn = std::chrono::duration_cast<std::chrono::microseconds>(
    std::chrono::steady_clock::now() - l.asked);
  l.on_started(container_info{id, l.target, {start_phase{"spawn", spawn}}});
}

void process_runtime::watch_exit(const std::string& id) {
  auto it = children_.find(id);
  if (it == children_.end() || !it->second.pidfd) {
    return;
  }
  it->second.pidfd->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                               [this, id](boost::system::error_code ec) {
                                 if (ec == boost::asio::error::operation_aborted) {
                                   return;
                                 }
                                 reap(id);
                               });
}

void process_runtime::reap(const std::string& id) {
  auto it = children_.find(id);
  if (it == children_.end()) {
    return;
  }
  auto& c = it->second;
  siginfo_t info{};
  if (::waitid(p_pidfd, static_cast<id_t>(c.pidfd->native_handle()), &info, WEXITED | WNOHANG)
        != 0
      || info.si_pid == 0) {
    watch_exit(id); // spurious wake-up: not exited yet
    return;
  }
  // Whatever the model left in its process group goes with it.
  ::kill(-c.pid, SIGKILL);
  container_exit exit;
  exit.id = id;
  exit.status = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
  exit.description = describe_status(info);
  exit.on_its_own = !c.kill_timer; // no stop() was under way
  auto handler = std::move(c.on_exit);
  children_.erase(it);
  close_platform(id);
  drain_output(id);
  if (handler) {
    handler(std::move(exit));
  }
}

// -- output pipes ------------------------------------------------------------------------------

void process_runtime::read_output(const std::string& id, log_stream stream, int fd) {
  auto key = next_reader_++;
  auto reader = std::make_unique<output_reader>(output_reader{
    id, stream, std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd), nullptr,
    line_cutter{logs_->limits().max_line_bytes}});
  boost::system::error_code ec;
  reader->pipe->non_blocking(true, ec); // read_more's reads must never block the runtime thread
  readers_.emplace(key, std::move(reader));
  read_more(key);
}

void process_runtime::read_more(std::uint64_t key) {
  auto it = readers_.find(key);
  if (it == readers_.end()) {
    return;
  }
  // Wait until the pipe has output, then read it into the one shared buffer: a few reads at a
  // time, so that a child that writes without pause cannot hold the runtime's thread.
  it->second->pipe->async_wait(
    boost::asio::posix::stream_descriptor::wait_read, [this, key](boost::system::error_code ec) {
      if (ec == boost::asio::error::operation_aborted) {
        return; // the reader was ended (and is gone)
      }
      auto it = readers_.find(key);
      if (it == readers_.end()) {
        return;
      }
      auto& reader = *it->second;
      for (int reads = 0; !ec && reads < 4; ++reads) {
        auto n = reader.pipe->read_some(boost::asio::buffer(output_buffer_), ec);
        reader.lines.feed({output_buffer_.data(), n}, [&](std::string_view line, bool cut) {
          logs_->line(reader.id, reader.stream, line, cut);
        });
      }
      if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) {
        finish_output(key); // the end of the pipe (every writer is gone), or it broke
        return;
      }
      read_more(key);
    });
}

void process_runtime::finish_output(std::uint64_t key) {
  auto it = readers_.find(key);
  if (it == readers_.end()) {
    return;
  }
  auto reader = std::move(it->second);
  readers_.erase(it);
  reader->lines.finish([&](std::string_view line, bool cut) {
    logs_->line(reader->id, reader->stream, line, cut);
  });
  bool last = true;
  for (const auto& [other, r] : readers_) {
    last = last && r->id != reader->id;
  }
  if (last) {
    logs_->close(reader->id);
  }
}

void process_runtime::drain_output(const std::string& id) {
  for (auto& [key, reader] : readers_) {
    if (reader->id != id || reader->drain_timer) {
      continue;
    }
    reader->drain_timer = std::make_unique<boost::asio::steady_timer>(io_, output_drain_time);
    reader->drain_timer->async_wait([this, key = key](boost::system::error_code ec) {
      if (!ec) {
        finish_output(key);
      }
    });
  }
}

void process_runtime::stop(const std::string& id, std::chrono::milliseconds grace) {
  boost::asio::post(io_, [this, id, grace] {
    auto it = children_.find(id);
    if (it == children_.end() || it->second.kill_timer) {
      return;
    }
    auto& c = it->second;
    ::kill(-c.pid, SIGTERM);
    if (c.paused) {
      // A stopped group keeps SIGTERM pending until it runs again.
      ::kill(-c.pid, SIGCONT);
      c.paused = false;
    }
    c.kill_timer = std::make_unique<boost::asio::steady_timer>(io_, grace);
    c.kill_timer->async_wait([this, id](boost::system::error_code ec) {
      if (ec) {
        return;
      }
      auto it = children_.find(id);
      if (it != children_.end()) {
        ::kill(-it->second.pid, SIGKILL);
      }
    });
  });
}

bool process_runtime::can_pause() const {
  return true;
}

void process_runtime::pause(const std::string& id, pause_handler on_done) {
  boost::asio::post(io_, [this, id, on_done = std::move(on_done)]() mutable {
    signal_group(id, SIGSTOP, true, on_done);
  });
}

void process_runtime::resume(const std::string& id, pause_handler on_done) {
  boost::asio::post(io_, [this, id, on_done = std::move(on_done)]() mutable {
    signal_group(id, SIGCONT, false, on_done);
  });
}

void process_runtime::signal_group(const std::string& id, int signal, bool paused,
                                   pause_handler& on_done) {
  auto it = children_.find(id);
  if (it == children_.end() || it->second.kill_timer) {
    on_done(error_info{errc::no_capacity, "no running child " + id});
    return;
  }
  if (::kill(-it->second.pid, signal) != 0) {
    on_done(error_info{errc::no_capacity, errno_message("kill", errno)});
    return;
  }
  it->second.paused = paused;
  on_done(std::nullopt);
}

void process_runtime::list(list_handler on_list) {
  boost::asio::post(io_, [this, on_list = std::move(on_list)] {
    std::vector<container_info> result;
    result.reserve(children_.size());
    for (const auto& [id, c] : children_) {
      result.push_back(container_info{id, c.target, {}});
    }
    on_list(std::move(result));
  });
}

} // namespace janus
