#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "tests/support/slowdown.hpp"

extern char** environ;

namespace janus::test {

namespace {

/// The current environment with `overrides` applied, as NAME=value strings.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text{*entry};
    auto name = std::string(text.substr(0, text.find('=')));
    if (!overrides.contains(name)) {
      result.emplace_back(text);
    }
  }
  for (const auto& [name, value] : overrides) {
    result.push_back(name + "=" + value);
  }
  return result;
}

/// Pointers into `strings`, null-terminated, as execve wants them.
std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> result;
  result.reserve(strings.size() + 1);
  for (auto& s : strings) {
    result.push_back(s.data());
  }
  result.push_back(nullptr);
  return result;
}

/// posix_spawn's attributes and file actions, released on every path.
class spawn_setup {
public:
  explicit spawn_setup(const std::filesystem::path& log_file) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions_, STDOUT_FILENO, log_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions_, STDOUT_FILENO, STDERR_FILENO);
    // Sockets and files of the test process stay with the test process.
    posix_spawn_file_actions_addclosefrom_np(&actions_, STDERR_FILENO + 1);
    // Whatever the test process blocks or ignores, the child starts with default signals.
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr_, &none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigdefault(&attr_, &all);
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }

  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;

  ~spawn_setup() {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&actions_);
  }

  const posix_spawn_file_actions_t* actions() const {
    return &actions_;
  }

  const posix_spawnattr_t* attr() const {
    return &attr_;
  }

private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
};

} // namespace

child_process::child_process(std::vector<std::string> argv,
                             std::map<std::string, std::string> env,
                             std::filesystem::path log_file)
  : log_file_(std::move(log_file)) {
  if (argv.empty()) {
    throw std::invalid_argument("child_process: empty argv");
  }
  if (log_file_.has_parent_path()) {
    std::filesystem::create_directories(log_file_.parent_path());
  }
  auto env_strings = merged_environment(env);
  auto envp = c_strings(env_strings);
  auto args = c_strings(argv);
  spawn_setup setup{log_file_};
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv.front().c_str(), setup.actions(), setup.attr(), args.data(),
                        envp.data());
  if (rc != 0) {
    throw std::system_error(rc, std::generic_category(), "cannot start " + argv.front());
  }
  pid_ = pid;
}

child_process::child_process(child_process&& other) noexcept
  : pid_(std::exchange(other.pid_, -1)),
    status_(std::exchange(other.status_, std::nullopt)),
    log_file_(std::move(other.log_file_)) {
  // nop
}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
    log_file_ = std::move(other.log_file_);
  }
  return *this;
}

child_process::~child_process() {
  kill_and_reap();
}

bool child_process::running() {
  if (pid_ <= 0 || status_) {
    return false;
  }
  int status = 0;
  pid_t rc = 0;
  do {
    rc = ::waitpid(pid_, &status, WNOHANG);
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) {
    return true;
  }
  // rc < 0 (ECHILD) means someone else reaped it: report it as gone, status unknown (-1).
  status_ = rc == pid_ ? status : -1;
  return false;
}

void child_process::signal(int signo) {
  if (running()) {
    ::kill(pid_, signo);
  }
}

std::optional<int> child_process::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return status_;
}

std::string child_process::log() const {
  std::ifstream in{log_file_, std::ios::binary};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void child_process::kill_and_reap() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      // retry
    }
    status_ = status;
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) {
    return "exited with " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return "wait status " + std::to_string(status);
}

} // namespace janus::test
