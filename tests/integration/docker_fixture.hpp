#pragma once

#include <chrono>
#include <filesystem>
#include <future>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"

namespace janus::test {

/// A shell command's exit status and standard output (stderr included).
struct command_result {
  int status = -1;
  std::string out;
};

/// Runs `command` with /bin/sh; trailing blanks and newlines of its output are dropped unless
/// `raw`.
command_result sh(const std::string& command, bool raw = false);

/// The whitespace-separated words of `text`.
std::vector<std::string> words(const std::string& text);

/// How often `needle` occurs in `text` (overlaps counted).
std::size_t count_of(const std::string& text, const std::string& needle);

/// A chat request body for `model` with one user message `text`; `extra` is appended as more
/// top-level members (e.g. `"stream":true`).
std::string chat(const std::string& model, const std::string& text, const std::string& extra = {});

/// Starts `count` streaming chat requests of `body` to 127.0.0.1:`port`, each on its own
/// thread, and returns once each has received its first SSE frame or `timeout` passed. A
/// request that fails before its response header gives a result with status 0 and `error` set.
std::vector<std::future<stream_result>> start_streams(std::uint16_t port, const std::string& body,
                                                      int count, std::chrono::milliseconds timeout);

/// A `models:` entry running the baseline image, indented for the fixture's YAML.
std::string image_model(const std::string& name, const std::string& settings,
                        const std::string& image = "janus-baseline:latest");

/// janusd with `runtime: docker`. The suite skips (or fails, with CI=true) when no Docker
/// engine answers; it builds the baseline images once from the binary under test. Each test
/// owns the containers labelled with its own engine id and removes them at its start and end.
/// `docker_` is the CLI command the helpers run: a test against a private dockerd points it and
/// `docker_socket_` at that daemon's socket before it calls start_docker().
class docker_runtime : public janusd_fixture {
protected:
  static void SetUpTestSuite();
  void SetUp() override;
  void TearDown() override;

  /// Starts janusd with the Docker runtime and this test's engine id.
  void start_docker(const std::string& models_yaml, const std::string& server_yaml = {},
                    bool wait_ready = true, const std::string& docker_yaml = {});

  /// The ids of this test's containers (`docker ps` short ids), running ones unless `all`. With
  /// `all`, containers created and never started count only once janusd has exited: while it runs
  /// they are its prepared containers (runtime::prepare), not leftovers; prepared() lists them.
  std::set<std::string> containers(bool all = false);

  /// This test's containers that were created and never started (Docker's state `created`).
  std::set<std::string> prepared();

  /// `docker inspect --format FORMAT id`.
  std::string inspect(const std::string& id, const std::string& format);

  void remove_all();

  std::string engine_id_;
  std::string docker_ = "docker";
  /// The engine janusd talks to; "" for the default socket.
  std::string docker_socket_;
  static inline std::string unavailable_;
};

/// A dockerd of the test's own (its own data root, exec root, pidfile, unix socket and bridge
/// `jt<N>` under `dir`), so a test may stop and restart it without touching the shared engine.
/// Its bridge gets 10.231.<N>.1/24, and the daemon runs with --iptables=false --ip-masq=false:
/// it changes no rule and no interface of the host's (never `--bridge none`, which would delete
/// the shared engine's docker0). Everything it made is removed by the destructor.
class private_dockerd {
public:
  explicit private_dockerd(const std::filesystem::path& dir);
  ~private_dockerd();

  private_dockerd(const private_dockerd&) = delete;
  private_dockerd& operator=(const private_dockerd&) = delete;

  /// Starts the daemon; true once it answers `docker version` (within `timeout`). `error()`
  /// says why not.
  bool start(std::chrono::milliseconds timeout);

  /// SIGTERM to the daemon (it stops its containers), waiting for it to exit; false when it
  /// outlived `timeout` (it is then killed).
  bool stop(std::chrono::milliseconds timeout);

  /// Copies an image of the shared engine into this one (`docker save | docker load`).
  bool load_image(const std::string& image);

  /// `docker -H unix://SOCKET`.
  std::string cli() const;

  std::filesystem::path socket() const {
    return dir_ / "docker.sock";
  }

  const std::string& error() const {
    return error_;
  }

  /// The daemon's log.
  std::string log() const;

private:
  std::filesystem::path dir_;
  std::optional<child_process> daemon_;
  std::string bridge_;
  int subnet_ = 0;
  bool bridge_made_ = false;
  std::string error_;
};

} // namespace janus::test
