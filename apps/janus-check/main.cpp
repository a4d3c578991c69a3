// janus-check: the conformance check of a model image against the Janus container contract.
// This file only wires: the command line, the launcher (Docker, or --url), the check on one
// event loop, SIGINT/SIGTERM, the report and the exit status.

#include "apps/janus-check/check_options.hpp"
#include "apps/janus-check/check_report.hpp"
#include "apps/janus-check/check_run.hpp"
#include "apps/janus-check/docker_launcher.hpp"
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

std::unique_ptr<container_launcher> make_launcher(const check_options& options) {
  if (!options.url.empty()) {
    return std::make_unique<url_target>(options.url, options.url_target);
  }
  janus::container_spec spec;
  spec.model = options.settings.model;
  spec.image = options.image;
  spec.env = platform_defaults();
  for (const auto& [name, value] : options.env) {
    spec.env[name] = value;
  }
  spec.resources = options.resources;
  return std::make_unique<docker_launcher>(std::move(spec), options.docker_socket,
                                           options.docker_timeout);
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
  auto launcher = make_launcher(options);
  std::optional<check_report> report;
  std::string failure;
  int interrupted = 0;
  {
    boost::asio::io_context io{1};
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
    // The io_context goes here, and with it a check that a signal cut short.
  }
  // Whatever the check left behind (a signal, an exception, a removal that failed) goes now.
  launcher->remove_now();
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
