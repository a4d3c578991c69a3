#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/platform_endpoints.hpp"
#include "runtime/container_logs.hpp"
#include "runtime/log_stream.hpp"
#include "runtime/line_cutter.hpp"
#include "runtime/runtime.hpp"

namespace janus {

/// Runs each container as a local child process listening on a free loopback port (passed as
/// `PORT`, with `HOST=127.0.0.1`). Children run in their own process group and die with janusd
/// (PR_SET_PDEATHSIG), exits are watched through pidfds, so nothing blocks and nothing leaks.
/// A child's environment is allowlisted (runtime/child_environment.hpp): of janusd's own
/// variables it gets only those `inherit_env` names and never one of `withheld`.
/// All state lives on one io_context: public calls post to it and are safe from any thread.
///
/// With `logs`, a child's stdout and stderr are pipes read here: their lines go to `logs`
/// (janusd's log, rate-limited, and the admin route's ring), no longer to janusd's own stdout.
/// The pipes are read to their end after the child exits, for at most output_drain_time.
///
/// With `platform`, each child gets its own platform endpoint (a loopback port of the host:
/// identity by port, no isolation), opened before the fork so that it accepts from the child's
/// first instruction on, and closed on every path by which the child goes.
class process_runtime : public runtime {
public:
  /// `inherit_env`: names (or `PREFIX*`) of janusd's variables a child gets; `withheld`: names
  /// of variables holding janusd's secrets, never passed (the admin token's variable).
  process_runtime(boost::asio::io_context& io, std::vector<std::string> inherit_env,
                  std::vector<std::string> withheld, platform_endpoints* platform = nullptr,
                  container_logs* logs = nullptr);

  /// Kills (SIGKILL) and reaps every child still running.
  ~process_runtime() override;

  std::string name() const override;

  void start(container_spec spec, start_handler on_started, exit_handler on_exit) override;

  void stop(const std::string& id, std::chrono::milliseconds grace) override;

  void list(list_handler on_list) override;

  bool can_pause() const override;

  /// SIGSTOP to the child's process group: the whole group stops (state T).
  void pause(const std::string& id, pause_handler on_done) override;

  /// SIGCONT to the child's process group.
  void resume(const std::string& id, pause_handler on_done) override;

  /// Resolves argv[0]: a name without '/' is looked up beside janusd's own executable first,
  /// then in PATH; a path is taken as it is. Empty when nothing executable is found.
  static std::string resolve_executable(const std::string& name);

  /// How long a child's output pipes are read on after it exited (a process that left its group
  /// may hold them open).
  static constexpr std::chrono::milliseconds output_drain_time{1000};

private:
  /// One output pipe of a child, read until its end.
  struct output_reader {
    std::string id;
    log_stream stream = log_stream::stdout_stream;
    std::unique_ptr<boost::asio::posix::stream_descriptor> pipe;
    std::unique_ptr<boost::asio::steady_timer> drain_timer;
    line_cutter lines;
  };

  struct child {
    int pid = 0;
    endpoint target;
    std::unique_ptr<boost::asio::posix::stream_descriptor> pidfd;
    std::unique_ptr<boost::asio::steady_timer> kill_timer;
    exit_handler on_exit;
    /// Stopped by pause(): a stop() sends SIGCONT after SIGTERM, so that the group can end.
    bool paused = false;
  };

  /// Sends `signal` to the group of child `id` for pause() or resume(); `paused` is its state
  /// after.
  void signal_group(const std::string& id, int signal, bool paused, pause_handler& on_done);

  /// A child forked but not yet known to have exec'd. Its exec report pipe is read
  /// asynchronously, so that the next start forks while this child execs.
  struct launch {
    int pid = 0;
    std::string model;
    /// The container id, chosen before the fork (its platform endpoint is opened by it).
    std::string id;
    std::string path;
    endpoint target;
    std::unique_ptr<boost::asio::posix::stream_descriptor> report;
    int exec_errno = 0;
    /// When start() was called, for the `spawn` phase.
    std::chrono::steady_clock::time_point asked;
    start_handler on_started;
    exit_handler on_exit;
  };

  /// `asked`: when start() was called, for the `spawn` phase.
  void do_start(container_spec& spec, start_handler& on_started, exit_handler& on_exit,
                std::chrono::steady_clock::time_point asked);

  /// The child of launch `key` exec'd (its report pipe closed empty) or could not (the pipe
  /// brought errno): starts watching it, or reaps it and reports the failure.
  void finish_start(std::uint64_t key, std::size_t reported);

  void watch_exit(const std::string& id);

  void reap(const std::string& id);

  /// Closes the platform endpoint of `id`, if there is a platform.
  void close_platform(const std::string& id);

  /// Starts reading the output pipe `fd` of `id` (takes the descriptor).
  void read_output(const std::string& id, log_stream stream, int fd);

  void read_more(std::uint64_t key);

  /// Ends reader `key`: its last incomplete line is logged; the container's logs close with its
  /// last reader.
  void finish_output(std::uint64_t key);

  /// The child `id` is gone: its readers get output_drain_time to reach the end of their pipes.
  void drain_output(const std::string& id);

  boost::asio::io_context& io_;
  platform_endpoints* platform_;
  std::vector<std::string> inherit_env_;
  std::vector<std::string> withheld_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::string, child> children_;
  std::uint64_t next_launch_ = 1;
  std::unordered_map<std::uint64_t, launch> launches_;
  container_logs* logs_;
  std::uint64_t next_reader_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<output_reader>> readers_;
  /// What every output pipe is read into once it is readable (io_ runs on one thread): a buffer
  /// per pipe was 32 KiB per container for output most models never write.
  std::array<char, 16 * 1024> output_buffer_{};
};

} // namespace janus
