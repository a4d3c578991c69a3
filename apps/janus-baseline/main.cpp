// janus-baseline: the reference model container. This file only wires: options from the
// environment, the signals that stop the server, and the event loop. `--health-check` probes a
// running baseline instead (Docker's HEALTHCHECK) and exits 0 when it is healthy, 1 otherwise;
// `--version` prints the version line and exits 0.

#include "apps/janus-baseline/baseline_options.hpp"
#include "apps/janus-baseline/health_check.hpp"
#include "apps/janus-baseline/platform_client.hpp"
#include "apps/janus-baseline/server.hpp"
#include "apps/version/version.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
  using namespace janus::baseline;
  if (argc == 2 && std::string_view{argv[1]} == "--version") {
    std::cout << janus::version_line("janus-baseline") << std::endl;
    return 0;
  }
  bool health_check = argc == 2 && std::string_view{argv[1]} == "--health-check";
  if (argc > 1 && !health_check) {
    std::cerr << "usage: janus-baseline [--health-check | --version]" << std::endl;
    return 2;
  }
  baseline_options options;
  try {
    options = baseline_options_from_environment();
  } catch (const options_error& error) {
    std::cerr << "janus-baseline: " << error.what() << std::endl;
    return 2;
  }
  if (health_check) {
    if (options.port == 0) {
      std::cerr << "janus-baseline --health-check: PORT must be set" << std::endl;
      return 1;
    }
    auto checked = check_health(options.port, std::chrono::seconds(2));
    if (!checked.healthy) {
      std::cerr << "janus-baseline --health-check: " << checked.detail << std::endl;
    }
    return checked.healthy ? 0 : 1;
  }
  if (options.probe_platform_at_start) {
    // First thing, before listening: the platform endpoint must be there from the start.
    auto failure = probe_platform(options, std::chrono::seconds(2));
    if (!failure.empty()) {
      std::cerr << "janus-baseline: platform probe at start: " << failure << std::endl;
      return 3;
    }
    std::cerr << "janus-baseline: platform probe at start: ok" << std::endl;
  }
  for (std::uint32_t i = 0; i < options.noise_lines; ++i) {
    std::printf("janus-baseline: noise line %u of %u\n", i + 1, options.noise_lines);
  }
  std::fflush(stdout);
  boost::asio::io_context io{1};
  server srv{io, std::move(options)};
  boost::asio::signal_set signals{io, SIGINT};
  if (srv.options().breaks.ignore_sigterm) {
    // A contract break for janus-check's tests: only a kill after the grace period stops it.
    std::signal(SIGTERM, SIG_IGN);
  } else {
    signals.add(SIGTERM);
  }
  signals.async_wait([&srv](const boost::system::error_code& ec, int) {
    if (!ec) {
      srv.stop();
    }
  });
  int exit_code = 0;
  boost::asio::co_spawn(io, srv.run(), [&](std::exception_ptr error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        std::cerr << "janus-baseline: " << e.what() << std::endl;
      }
      exit_code = 1;
      srv.stop();
    }
    signals.cancel();
  });
  io.run();
  std::cerr << "janus-baseline stopped" << std::endl;
  return exit_code;
}
