#include "apps/janus-check/probe_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace janus::check {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using clock = std::chrono::steady_clock;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

std::chrono::milliseconds since(clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
}

std::string describe(const beast::error_code& ec, bool head_read,
                     std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout) {
    return (head_read ? "the answer did not end within " : "no answer within ")
           + std::to_string(timeout.count()) + " ms";
  }
  if (ec == bhttp::error::body_limit) {
    return "the body passed " + std::to_string(max_body_bytes) + " bytes";
  }
  if (ec == bhttp::error::header_limit) {
    return "the response head passed " + std::to_string(max_head_bytes) + " bytes";
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message
      || ec == net::error::eof) {
    return head_read ? "the connection closed before the answer ended"
                     : "the connection closed without an answer";
  }
  if (ec == net::error::connection_reset) {
    return "the connection was reset";
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
    return "not HTTP: " + ec.message();
  }
  return ec.message();
}

} // namespace

net::awaitable<observed_response> exchange(container_launcher& via, bhttp::verb method,
                                           std::string target, std::string body,
                                           std::chrono::milliseconds timeout) {
  observed_response out;
  auto started = clock::now();
  auto connected = co_await via.connect(timeout);
  if (!connected) {
    out.error = connected.error().message;
    out.took = since(started);
    co_return out;
  }
  beast::tcp_stream stream{std::move(connected.value())};
  stream.expires_at(started + timeout);
  bhttp::request<bhttp::string_body> request{method, target, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  request.set(bhttp::field::user_agent, "janus-check");
  request.keep_alive(false);
  if (!body.empty()) {
    request.set(bhttp::field::content_type, "application/json");
    request.body() = std::move(body);
  }
  request.prepare_payload();
  auto [write_ec, written] = co_await bhttp::async_write(stream, request, nothrow);
  if (write_ec) {
    out.error = "cannot send the request: " + describe(write_ec, false, timeout);
    out.took = since(started);
    co_return out;
  }
  beast::flat_buffer buffer{max_head_bytes + max_body_bytes + 64 * 1024};
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(max_head_bytes);
  parser.body_limit(max_body_bytes);
  auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, nothrow);
  bool head_read = parser.is_header_done();
  if (head_read) {
    out.status = parser.get().result_int();
    out.content_type = std::string{parser.get()[bhttp::field::content_type]};
    out.body = std::move(parser.get().body());
  }
  if (read_ec) {
    out.error = describe(read_ec, head_read, timeout);
  }
  beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  out.took = since(started);
  co_return out;
}

} // namespace janus::check
