#include "http/platform_replies.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>

#include "http/error_response.hpp"

namespace janus::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

asio::awaitable<bool> write_platform_answer(boost::beast::tcp_stream& client, unsigned status,
                                            std::string body, int retry_after,
                                            std::string_view request_id, bool keep_alive,
                                            std::chrono::milliseconds timeout) {
  bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(status), 11};
  response.set(bhttp::field::content_type, "application/json");
  if (!request_id.empty()) {
    response.set("x-request-id", request_id);
  }
  if (retry_after > 0) {
    response.set(bhttp::field::retry_after, std::to_string(retry_after));
  }
  if (status == 401) {
    response.set(bhttp::field::www_authenticate, "Bearer");
  }
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  client.expires_after(timeout);
  auto [ec, n] = co_await bhttp::async_write(client, response, asio::as_tuple(asio::use_awaitable));
  co_return !ec && keep_alive;
}

unsigned status_of(const error_info& error) {
  return static_cast<unsigned>(make_error_response(error).status);
}

asio::awaitable<bool> write_platform_error(boost::beast::tcp_stream& client,
                                           const error_info& error, std::string_view request_id,
                                           bool keep_alive, std::chrono::milliseconds timeout) {
  auto rendered = make_error_response(error);
  co_return co_await write_platform_answer(client, static_cast<unsigned>(rendered.status),
                                           std::move(rendered.body), rendered.retry_after,
                                           request_id, keep_alive, timeout);
}

std::string accepted_request_id(std::string_view value) {
  if (value.empty() || value.size() > 128
      || !std::all_of(value.begin(), value.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return {};
  }
  return std::string{value};
}

} // namespace janus::http
