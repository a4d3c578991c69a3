#include "runtime/docker_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "runtime/docker_api.hpp"

namespace janus::docker {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using local = net::local::stream_protocol;
using stream_type = beast::basic_stream<local>;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

/// The largest answer read whole (a long container list is a few MiB at most).
constexpr std::uint64_t max_body = std::uint64_t{64} << 20;

std::string describe(const beast::error_code& ec, std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout) {
    return "no answer within " + std::to_string(timeout.count()) + " ms";
  }
  return ec.message();
}

http::request<http::string_body> make_request(http::verb method, std::string_view path,
                                              std::string_view body) {
  http::request<http::string_body> request{method, client::versioned(path), 11};
  request.set(http::field::host, "docker");
  request.set(http::field::user_agent, "janusd");
  request.keep_alive(false);
  if (!body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = std::string{body};
  }
  request.prepare_payload();
  return request;
}

} // namespace

std::string api_response::message() const {
  if (status == 0) {
    return "no Docker engine answers at " + socket_path + ": " + error;
  }
  return error_message(status, body);
}

client::client(std::string socket_path, std::chrono::milliseconds timeout)
  : socket_path_(std::move(socket_path)), timeout_(timeout) {
}

std::string client::versioned(std::string_view path) {
  std::string out = "/v";
  out += api_version;
  out += path;
  return out;
}

net::awaitable<api_response> client::call(http::verb method, std::string_view path,
                                          std::string_view body) const {
  return call(method, path, body, timeout_);
}

net::awaitable<api_response> client::call(http::verb method, std::string_view path,
                                          std::string_view body,
                                          std::chrono::milliseconds timeout) const {
  // Copied before the first suspension: the caller's views are not needed afterwards.
  auto request = make_request(method, path, body);
  std::string socket_path = socket_path_;
  api_response out;
  out.socket_path = socket_path;
  auto executor = co_await net::this_coro::executor;
  stream_type stream{executor};
  stream.expires_after(timeout);
  local::endpoint peer{socket_path};
  auto [connect_ec] = co_await stream.async_connect(peer, nothrow);
  if (connect_ec) {
    out.error = describe(connect_ec, timeout);
    co_return out;
  }
  auto [write_ec, written] = co_await http::async_write(stream, request, nothrow);
  if (write_ec) {
    out.error = describe(write_ec, timeout);
    co_return out;
  }
  out.sent = true;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, nothrow);
  if (read_ec) {
    out.error = describe(read_ec, timeout);
    co_return out;
  }
  auto& response = parser.get();
  out.status = response.result_int();
  out.server = std::string{response[http::field::server]};
  out.api_version = std::string{response["Api-Version"]};
  out.body = std::move(response.body());
  beast::error_code ignored;
  stream.socket().shutdown(local::socket::shutdown_both, ignored);
  co_return out;
}

response_stream::response_stream(const net::any_io_executor& executor) : stream_(executor) {
  parser_.body_limit(boost::none);
}

net::awaitable<api_response> response_stream::open(const client& api, std::string_view path) {
  return open(api, http::verb::get, path, {}, api.timeout());
}

void response_stream::expires_at(std::chrono::steady_clock::time_point deadline) {
  stream_.expires_at(deadline);
}

net::awaitable<api_response> response_stream::open(
  const client& api, http::verb method, std::string_view path,
  std::vector<std::pair<std::string, std::string>> headers,
  std::chrono::milliseconds timeout) {
  auto request = make_request(method, path, {});
  for (const auto& [name, value] : headers) {
    request.set(name, value);
  }
  std::string socket_path = api.socket_path();
  api_response out;
  out.socket_path = socket_path;
  stream_.expires_after(timeout);
  local::endpoint peer{socket_path};
  auto [connect_ec] = co_await stream_.async_connect(peer, nothrow);
  if (connect_ec) {
    out.error = describe(connect_ec, timeout);
    co_return out;
  }
  auto [write_ec, written] = co_await http::async_write(stream_, request, nothrow);
  if (write_ec) {
    out.error = describe(write_ec, timeout);
    co_return out;
  }
  auto [read_ec, read] = co_await http::async_read_header(stream_, buffer_, parser_, nothrow);
  if (read_ec) {
    out.error = describe(read_ec, timeout);
    co_return out;
  }
  out.status = parser_.get().result_int();
  out.server = std::string{parser_.get()[http::field::server]};
  out.api_version = std::string{parser_.get()["Api-Version"]};
  if (out.status != 200) {
    // An error answer is short: read it whole for its message.
    stream_.expires_after(timeout);
    std::string body;
    while (!parser_.is_done()) {
      parser_.get().body().data = chunk_.data();
      parser_.get().body().size = chunk_.size();
      auto [ec, n] = co_await http::async_read_some(stream_, buffer_, parser_, nothrow);
      body.append(chunk_.data(), chunk_.size() - parser_.get().body().size);
      if (ec && ec != http::error::need_buffer) {
        break;
      }
    }
    out.body = std::move(body);
    co_return out;
  }
  stream_.expires_never();
  co_return out;
}

net::awaitable<std::optional<std::string>> response_stream::next() {
  while (!parser_.is_done()) {
    parser_.get().body().data = chunk_.data();
    parser_.get().body().size = chunk_.size();
    auto [ec, n] = co_await http::async_read_some(stream_, buffer_, parser_, nothrow);
    auto got = chunk_.size() - parser_.get().body().size;
    if (got > 0) {
      std::optional<std::string> piece{std::in_place, chunk_.data(), got};
      co_return piece;
    }
    if (ec && ec != http::error::need_buffer) {
      error_ = ec == http::error::end_of_stream || ec == http::error::partial_message
                 ? std::string{"the Docker engine closed the stream"}
                 : ec.message();
      co_return std::nullopt;
    }
  }
  error_ = "the Docker engine ended the stream";
  co_return std::nullopt;
}

void response_stream::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(local::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

} // namespace janus::docker
