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

} // namespace

health_check_result check_health(std::uint16_t port, std::chrono::milliseconds timeout) {
  net::io_context io{1};
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  http::request<http::empty_body> request{http::verb::get, "/health", 11};
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(false);
  http::response<http::string_body> response;
  health_check_result result;
  result.detail = "no answer";
  auto fail = [&result](const beast::error_code& ec) {
    result.detail = ec == beast::error::timeout ? std::string{"timed out"} : ec.message();
  };
  stream.expires_after(timeout);
  stream.async_connect(tcp::endpoint{net::ip::address_v4::loopback(), port},
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
        result.healthy = response.result_int() == 200;
        result.detail = "status " + std::to_string(response.result_int());
      });
    });
  });
  io.run();
  return result;
}

} // namespace janus::baseline
