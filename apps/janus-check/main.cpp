// janus-check: the conformance check of a model image against the Janus container contract.
// This file only wires: the command line, the launcher (Docker isolated as janusd runs it,
// Docker bridged, or --url), the check on one event loop, SIGINT/SIGTERM, the report and the
// exit status.

#include "apps/janus-check/check_options.hpp"
#include "apps/janus-check/check_report.hpp"
#include "apps/janus-check/check_run.hpp"
#include "apps/janus-check/docker_launcher.hpp"
#include "apps/janus-check/isolated_docker.hpp"
#include "apps/janus-check/runtime_launcher.hpp"
#include "apps/janus-check/url_target.hpp"
#include "apps/version/version.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>

namespace {

using namespace janus::check;

/// The contract's variables as janusd gives them to every container when no platform endpoint
/// is open (janusd's defaults): the container sees the environment it will see in production.
std::map<std::string, std::string> platform_defaults() {
  janus::platform_config platform;
  return {
    {"JANUS_PLATFORM_URL", ""},
    {"JANUS_LLM_API_KEY", ""},
    {"JANUS_MEMORY_URL", ""},
    {"JANUS_SEARCH_URL", ""},
    {"JANUS_LOG_LEVEL", platform.log_level},
    {"JANUS_TIMEOUT",
     std::to_string(std::chrono::duration_cast<std::chrono::seconds>(platform.timeout).count())},
  };
}

/// What the check runs its subject with: an isolated Docker engine (janusd's runtime, on the
/// check's event loop) or a launcher of its own (bridge, --url).
struct check_target {
  std::unique_ptr<isolated_docker> engine;
  std::unique_ptr<container_launcher> launcher;
};

/// Throws janus::config_error when isolated containers cannot run here.
check_target make_target(const check_options& options, boost::asio::io_context& io) {
  check_target out;
  if (!options.url.empty()) {
    out.launcher = std::make_unique<url_target>(options.url, options.url_target);
    return out;
  }
  janus::container_spec spec;
  spec.model = options.settings.model;
  spec.image = options.image;
  spec.env = platform_defaults();
  for (const auto& [name, value] : options.env) {
    spec.env[name] = value;
  }
  spec.resources = options.resources;
  spec.network = options.network;
  if (options.network == janus::network_mode::bridge) {
    out.launcher = std::make_unique<docker_launcher>(std::move(spec), options.docker_socket,
                                                     options.docker_timeout);
    return out;
  }
  spec.labels = {{std::string{check_label}, "1"}};
  out.engine = std::make_unique<isolated_docker>(io, options);
  out.launcher = std::make_unique<runtime_launcher>(out.engine->backend(), std::move(spec),
                                                    out.engine->extras(options.image));
  return out;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parse_check_options(args);
  if (!parsed) {
    std::cerr << "janus-check: " << parsed.error().message << "\n"
              << "(janus-check --help lists the options)" << std::endl;
    return exit_usage;
  }
  const auto& options = parsed.value();
  if (options.help) {
    std::cout << usage_text();
    return exit_passed;
  }
  if (options.version) {
    std::cout << janus::version_line("janus-check") << std::endl;
    return exit_passed;
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::optional<check_report> report;
  std::string failure;
  int interrupted = 0;
  boost::asio::io_context io{1};
  check_target target;
  try {
    target = make_target(options, io);
  } catch (const janus::config_error& error) {
    std::cerr << "janus-check: " << error.what() << std::endl;
    return exit_environment;
  }
  auto& launcher = target.launcher;
  {
    boost::asio::signal_set signals{io, SIGINT, SIGTERM};
    signals.async_wait([&io, &interrupted](const boost::system::error_code& ec, int signo) {
      if (!ec) {
        interrupted = signo;
        io.stop();
      }
    });
    boost::asio::co_spawn(io, run_check(*launcher, options.settings),
                          [&](std::exception_ptr error, check_report done) {
                            if (error) {
                              try {
                                std::rethrow_exception(error);
                              } catch (const std::exception& e) {
                                failure = e.what();
                              }
                            } else {
                              report = std::move(done);
                            }
                            signals.cancel();
                          });
    io.run();
  }
  // Whatever the check left behind (a signal, an exception, a removal that failed) goes now:
  // the launcher's own, and what the isolated engine still tracks (removed when it goes).
  launcher->remove_now();
  target.engine.reset();
  if (interrupted != 0) {
    std::cerr << "janus-check: interrupted by " << ::sigabbrev_np(interrupted)
              << "; what it started is removed" << std::endl;
    return 128 + interrupted;
  }
  if (!report) {
    std::cerr << "janus-check: the check failed unexpectedly: " << failure << std::endl;
    return exit_failed;
  }
  std::cout << (options.json ? render_json(*report) : render_text(*report)) << std::flush;
  return exit_status(*report);
}
