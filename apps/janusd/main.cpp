#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <pthread.h>
#include <thread>

#include "apps/janusd/config_reloader.hpp"
#include "apps/janusd/engine.hpp"
#include "apps/version/version.hpp"
#include "logging/event.hpp"
#include "logging/setup.hpp"
#include "model/config.hpp"
#include "runtime/fd_limit.hpp"

namespace {

/// Blocks the signals janusd handles in every thread (threads inherit the mask), so that main
/// alone takes them with sigwait: SIGTERM and SIGINT (stop), SIGHUP (reload the configuration
/// file), and SIGUSR1, which the shutdown thread sends main when it is done.
sigset_t block_signals() {
  sigset_t handled;
  sigemptyset(&handled);
  for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) {
    sigaddset(&handled, signo);
  }
  pthread_sigmask(SIG_BLOCK, &handled, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return handled;
}

const char* signal_name(int signo) {
  switch (signo) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a signal";
  }
}

void log_sighup_ignored() {
  janus::logging::event{"received SIGHUP while shutting down: no reload"}.warn();
}

/// Waits for SIGTERM or SIGINT; each SIGHUP asks the reloader for a reload of the config file.
int wait_for_stop_signal(const sigset_t& handled, janus::config_reloader& reloader) {
  while (true) {
    int received = 0;
    sigwait(&handled, &received);
    if (received == SIGTERM || received == SIGINT) {
      return received;
    }
    if (received == SIGHUP) {
      janus::logging::event{"received SIGHUP: reloading the configuration"}.info();
      reloader.request();
    }
  }
}

/// Runs the graceful shutdown on its own thread while main keeps taking signals: a second
/// SIGTERM or SIGINT ends janusd at once (exit status 1, without the drain); SIGHUP is ignored.
void shut_down(janus::engine& engine, const sigset_t& handled) {
  auto main_thread = pthread_self();
  std::thread stopper{[&engine, main_thread] {
    engine.shutdown();
    pthread_kill(main_thread, SIGUSR1);
  }};
  while (true) {
    int received = 0;
    sigwait(&handled, &received);
    if (received == SIGUSR1) {
      break;
    }
    if (received == SIGHUP) {
      log_sighup_ignored();
      continue;
    }
    janus::logging::event{"received a second stop signal: stopping at once"}
      .field("signal", signal_name(received))
      .error();
    janus::logging::shutdown();
    // Children of the process runtime die with janusd (PR_SET_PDEATHSIG); Docker containers
    // stay and the next janusd with the same engine_id adopts or removes them.
    std::_Exit(1);
  }
  stopper.join();
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"janusd: warm pools of model containers behind an OpenAI-compatible endpoint"};
  std::string config_path;
  bool check_only = false;
  app.add_option("-c,--config", config_path, "YAML configuration file")->required();
  app.add_flag("--check", check_only, "validate the configuration and exit");
  app.set_version_flag("--version", janus::version_line("janusd"));
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
  auto handled = block_signals();
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
    janus::config_reloader reloader{[&engine, &config_path] { engine.reload(config_path); }};
    int received = wait_for_stop_signal(handled, reloader);
    spdlog::info("received {}: shutting down", signal_name(received));
    // A reload under way ends first: the router answers it at once once it shuts down, and its
    // other waits are bounded by engine.reload_timeout.
    std::thread stop_reloads{[&reloader] { reloader.stop(); }};
    shut_down(engine, handled);
    stop_reloads.join();
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
