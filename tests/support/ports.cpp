#include "tests/support/ports.hpp"

#include "tests/support/http_client.hpp"
#include "tests/support/slowdown.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <unistd.h>

#include <atomic>
#include <system_error>
#include <thread>

namespace janus::test {

namespace {

constexpr std::uint16_t first_port = 20000;
constexpr std::uint16_t port_span = 12768; // up to 32767, below net.ipv4.ip_local_port_range

/// Whether 127.0.0.1:`port` can be bound now.
bool bindable(std::uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor{io};
  boost::system::error_code ec;
  acceptor.open(boost::asio::ip::tcp::v4(), ec);
  if (!ec) {
    acceptor.bind({boost::asio::ip::address_v4::loopback(), port}, ec);
  }
  return !ec;
}

} // namespace

std::uint16_t free_port() {
  // The next port this process tries; it starts where the pid says, so parallel tests differ.
  static std::atomic<unsigned> next{static_cast<unsigned>(::getpid()) * 613u};
  for (unsigned tries = 0; tries < port_span; ++tries) {
    auto port = static_cast<std::uint16_t>(first_port + next.fetch_add(1) % port_span);
    if (bindable(port)) {
      return port;
    }
  }
  // Every port of the span is taken: the kernel's choice, as before.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor{
    io, {boost::asio::ip::address_v4::loopback(), 0}, /*reuse_addr=*/false};
  return acceptor.local_endpoint().port();
}

bool wait_for_http(std::uint16_t port, std::string_view path,
                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
  for (;;) {
    try {
      http_client client{port, std::chrono::seconds(1)};
      if (client.get(path).status == 200) {
        return true;
      }
    } catch (const std::system_error&) {
      // not listening yet
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

} // namespace janus::test
