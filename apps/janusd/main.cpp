#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "apps/janusd/engine.hpp"
#include "logging/event.hpp"
#include "logging/setup.hpp"
#include "model/config.hpp"
#include "runtime/fd_limit.hpp"

namespace {

/// Blocks SIGTERM and SIGINT in every thread (threads inherit the mask), so that main alone
/// takes them with sigwait.
sigset_t block_stop_signals() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return stop_signals;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"janusd: warm pools of model containers behind an OpenAI-compatible endpoint"};
  std::string config_path;
  bool check_only = false;
  app.add_option("-c,--config", config_path, "YAML configuration file")->required();
  app.add_flag("--check", check_only, "validate the configuration and exit");
  CLI11_PARSE(app, argc, argv);

  janus::config cfg;
  try {
    cfg = janus::load_config(config_path);
  } catch (const janus::config_error& e) {
    std::fprintf(stderr, "janusd: configuration error: %s\n", e.what());
    return 2;
  }
  if (check_only) {
    std::printf("%s: configuration is valid (%zu model(s))\n", config_path.c_str(),
                cfg.models.size());
    return 0;
  }
  auto stop_signals = block_stop_signals();
  // After blocking the signals: the logger's thread inherits the mask.
  auto level = janus::logging::choose_level(cfg.log.level, std::getenv("JANUS_LOG_LEVEL"));
  janus::logging::configure({level.level, cfg.log.format == "json"});
  if (!level.ignored.empty()) {
    spdlog::warn("{}", level.ignored);
  }
  // Every process container holds a pidfd and every probe and connection a socket: the usual
  // soft limit of 1024 descriptors ends near a thousand containers. Children get it back.
  auto fds = janus::raise_fd_limit();
  if (!fds.error.empty()) {
    janus::logging::event{"cannot raise the open file limit"}
      .field("limit", fds.before)
      .field("hard_limit", fds.hard)
      .field("detail", fds.error)
      .warn();
  } else if (fds.after != fds.before) {
    janus::logging::event{"open file limit raised"}
      .field("from", fds.before)
      .field("to", fds.after)
      .info();
  }
  std::uint64_t containers = 0;
  for (const auto& model : cfg.models) {
    containers += static_cast<std::uint64_t>(model.max_containers);
  }
  if (auto needed = janus::descriptors_needed(containers); fds.after < needed) {
    janus::logging::event{"the open file limit is too low for max_containers"}
      .field("limit", fds.after)
      .field("max_containers", containers)
      .field("needed_at_least", needed)
      .field("detail", "raise the hard limit (LimitNOFILE= in the systemd unit, ulimit -Hn)")
      .warn();
  }
  try {
    janus::engine engine{std::move(cfg)};
    engine.start();
    int received = 0;
    sigwait(&stop_signals, &received);
    spdlog::info("received {}: shutting down", received == SIGTERM ? "SIGTERM" : "SIGINT");
    engine.shutdown();
  } catch (const janus::config_error& e) {
    std::fprintf(stderr, "janusd: configuration error: %s\n", e.what());
    janus::logging::shutdown();
    return 2;
  } catch (const std::exception& e) {
    spdlog::error("janusd: {}", e.what());
    janus::logging::shutdown();
    return 1;
  }
  spdlog::info("janusd stopped");
  janus::logging::shutdown();
  return 0;
}
