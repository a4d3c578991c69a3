#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace janus::test {

/// A process that a test starts and owns: its stdout and stderr go to a log file (so a
/// failing test can show it), and it never outlives the object: the destructor kills it with
/// SIGKILL and reaps it if it still runs.
class child_process {
public:
  /// Starts `argv` (argv[0] is a path, or a name looked up in PATH) with the current
  /// environment plus `env` (whose values win), stdin from /dev/null, stdout and stderr
  /// into `log_file` (truncated; its folder is created). Throws std::system_error when the
  /// program cannot be started.
  child_process(std::vector<std::string> argv, std::map<std::string, std::string> env,
                std::filesystem::path log_file);

  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Kills (SIGKILL) and reaps the process if it still runs.
  ~child_process();

  /// The process id; -1 for a moved-from object.
  pid_t pid() const {
    return pid_;
  }

  /// Whether the process still runs; reaps it (and remembers its status) once it has exited.
  bool running();

  /// Sends `signo` to the process; does nothing once it has been reaped.
  void signal(int signo);

  /// Waits up to `timeout` (stretched by slowdown()) for the process to exit; its raw wait
  /// status (use WIFEXITED, WEXITSTATUS, WIFSIGNALED, or describe_wait_status), std::nullopt if
  /// it still runs.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);

  /// The file that receives the process's stdout and stderr.
  const std::filesystem::path& log_file() const {
    return log_file_;
  }

  /// What the process wrote to stdout and stderr so far.
  std::string log() const;

private:
  void kill_and_reap();

  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_file_;
};

/// A wait status in words, for assertion messages: "exited with 2", "killed by signal 9".
std::string describe_wait_status(int status);

} // namespace janus::test
