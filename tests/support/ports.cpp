#include "tests/support/ports.hpp"

#include "tests/support/http_client.hpp"
#include "tests/support/slowdown.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <system_error>
#include <thread>

namespace janus::test {

std::uint16_t free_port() {
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
