// janus-baseline: the reference model container. This file only wires: options from the
// environment, the signals that stop the server, and the event loop.

#include "apps/janus-baseline/baseline_options.hpp"
#include "apps/janus-baseline/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <exception>
#include <iostream>

int main() {
  using namespace janus::baseline;
  baseline_options options;
  try {
    options = baseline_options_from_environment();
  } catch (const options_error& error) {
    std::cerr << "janus-baseline: " << error.what() << std::endl;
    return 2;
  }
  boost::asio::io_context io{1};
  server srv{io, std::move(options)};
  boost::asio::signal_set signals{io, SIGINT, SIGTERM};
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
