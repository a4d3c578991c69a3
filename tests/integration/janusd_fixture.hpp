#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"

namespace janus::test {

/// Where the binaries under test are.
std::string bin_path(const std::string& name);

/// The janus-baseline the Docker images are built from: JANUS_BASELINE_BIN when set (a
/// sanitized run of scripts/test.sh points it at the plain build's), bin_path's otherwise. The
/// images are shared by every run on the machine, and the container's model is the tests'
/// fixture, not the code under test.
std::string image_baseline_bin();

/// The running test's own folder, /tmp/janus-tests/<suite>.<test> (made when missing): what
/// janusd_fixture::start() writes its config and log into.
std::filesystem::path test_dir();

/// The process ids whose parent is `pid` (read from /proc).
std::set<pid_t> children_of(pid_t pid);

/// Whether a process with this id exists (and is not a zombie).
bool process_alive(pid_t pid);

/// The value of an environment variable of a running process ("" when absent).
std::string environment_of(pid_t pid, const std::string& name);

/// The soft limit on open files of a running process, from /proc/PID/limits (0 when unreadable,
/// UINT64_MAX for "unlimited").
std::uint64_t soft_fd_limit_of(pid_t pid);

/// Polls `condition` every 20 ms until it holds or `timeout` (stretched by slowdown()) passes;
/// returns its last value.
bool eventually(std::chrono::milliseconds timeout, const std::function<bool()>& condition);

/// Runs a real janusd with a config written for the test, on a free loopback port; prints its
/// log when the test failed. The process is killed at the end of the test if still running.
class janusd_fixture : public ::testing::Test {
protected:
  /// Starts janusd with `models_yaml` as the body of the `models:` mapping (indented by 2) and
  /// `server_yaml` as extra lines of the `server:` mapping; waits until /ready answers 200
  /// unless `wait_ready` is false.
  void start(const std::string& models_yaml, const std::string& server_yaml = {},
             bool wait_ready = true);

  /// Writes the config file as start() does (same port and directory) and sends janusd SIGHUP:
  /// a reload of it. start() must have run.
  void reload(const std::string& models_yaml, const std::string& server_yaml = {});

  /// The config file's text for these models and server lines (start() and reload()).
  std::string config_text(const std::string& models_yaml, const std::string& server_yaml) const;

  /// The value of one sample of /metrics, e.g. metric("janus_pool_inflight_requests",
  /// "model=\"m\""), or of a metric without labels with `labels` empty; nullopt when absent.
  std::optional<double> metric(const std::string& name, const std::string& labels);

  /// POSTs the streaming chat `body` to /v1/chat/completions on a thread of its own;
  /// `first_frame` becomes ready with the answer's first SSE frame (the stream runs then).
  std::future<stream_result> stream_in_background(std::string body,
                                                  std::promise<void>& first_frame);

  /// The janus-baseline children janusd runs now.
  std::set<pid_t> model_processes();

  void TearDown() override;

  std::uint16_t port_ = 0;
  std::filesystem::path dir_;
  std::optional<child_process> janusd_;
  /// Extra top-level lines of the config that start() writes (e.g. `runtime: docker`).
  std::string top_level_yaml_;
  /// The body of the config's `log:` mapping.
  std::string log_yaml_ = "  level: debug\n";
  /// Environment janusd gets on top of the test's own.
  std::map<std::string, std::string> env_;
  /// A command that runs janusd (its arguments follow), e.g. setpriv with a capability set; empty:
  /// janusd is started directly.
  std::vector<std::string> launcher_;
};

} // namespace janus::test
