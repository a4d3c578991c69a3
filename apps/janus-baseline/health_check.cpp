#include "apps/janus-baseline/health_check.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace janus::baseline {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

/// One GET; `healthy` when the answer's status passes `accept`.
template <class Accept>
health_check_result get_once(const net::ip::address_v4& address, std::uint16_t port,
                             const std::string& path, std::chrono::milliseconds timeout,
                             Accept accept) {
  net::io_context io{1};
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  http::request<http::empty_body> request{http::verb::get, path, 11};
  request.set(http::field::host, address.to_string());
  request.keep_alive(false);
  http::response<http::string_body> response;
  health_check_result result;
  result.detail = "no answer";
  auto fail = [&result](const beast::error_code& ec) {
    result.detail = ec == beast::error::timeout ? std::string{"timed out"} : ec.message();
  };
  stream.expires_after(timeout);
  stream.async_connect(tcp::endpoint{address, port},
                       [&](beast::error_code ec) {
    if (ec) {
      return fail(ec);
    }
    http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        return fail(ec);
      }
      http::async_read(stream, buffer, response, [&](beast::error_code ec, std::size_t) {
        if (ec) {
          return fail(ec);
        }
        result.healthy = accept(response.result_int());
        result.detail = "status " + std::to_string(response.result_int());
      });
    });
  });
  io.run();
  return result;
}

} // namespace

health_check_result check_health(std::uint16_t port, std::chrono::milliseconds timeout) {
  return get_once(net::ip::address_v4::loopback(), port, "/health", timeout,
                  [](unsigned status) { return status == 200; });
}

health_check_result check_answers(const std::string& host, std::uint16_t port,
                                  const std::string& path, std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  auto address = net::ip::make_address_v4(host, ec);
  if (ec) {
    return {false, "not an IPv4 address: " + host};
  }
  return get_once(address, port, path, timeout, [](unsigned) { return true; });
}

} // namespace janus::baseline
