#include "apps/janus-bench/gnuplot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>
#include <vector>

extern char** environ;

namespace janus::bench {

std::optional<std::string> run_gnuplot(const std::string& script_path,
                                       std::chrono::milliseconds timeout) {
  std::string program = "gnuplot";
  std::vector<char*> argv{program.data(), const_cast<char*>(script_path.c_str()), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT) {
    return "gnuplot is not installed (on Debian: apt-get install -y gnuplot-nox)";
  }
  if (rc != 0) {
    return std::string{"cannot start gnuplot: "} + std::strerror(rc);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    auto done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      break;
    }
    if (done < 0 && errno != EINTR) {
      return std::string{"waiting for gnuplot: "} + std::strerror(errno);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return "gnuplot did not finish within " + std::to_string(timeout.count() / 1000) + " s";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    return std::nullopt;
  }
  if (WIFEXITED(status)) {
    return "gnuplot failed (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
  }
  return "gnuplot was killed by signal " + std::to_string(WTERMSIG(status));
}

} // namespace janus::bench
