#include "apps/janus-baseline/platform_client.hpp"

#include "apps/janus-baseline/api_error.hpp"
#include "apps/janus-baseline/echo_model.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <array>

namespace janus::baseline {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
constexpr auto platform_timeout = std::chrono::seconds(300);

tcp::endpoint platform_endpoint(const baseline_options& options) {
  return {net::ip::make_address(options.platform_host), options.platform_port};
}

std::string bearer(const baseline_options& options) {
  return "Bearer " + options.platform_token;
}

net::awaitable<std::string> probe(const baseline_options& options) {
  beast::tcp_stream stream{co_await net::this_coro::executor};
  auto [connect_ec] = co_await stream.async_connect(platform_endpoint(options), nothrow);
  if (connect_ec) {
    co_return "cannot connect to the platform endpoint: " + connect_ec.message();
  }
  http::request<http::empty_body> req{http::verb::get, "/health", 11};
  req.set(http::field::host, options.platform_host);
  req.set(http::field::authorization, bearer(options));
  auto [write_ec, written] = co_await http::async_write(stream, req, nothrow);
  if (write_ec) {
    co_return "cannot send to the platform endpoint: " + write_ec.message();
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  auto [read_ec, read] = co_await http::async_read(stream, buffer, res, nothrow);
  if (read_ec) {
    co_return "no answer from the platform endpoint: " + read_ec.message();
  }
  if (res.result_int() != 200) {
    co_return "the platform endpoint answered " + std::to_string(res.result_int()) + ": "
      + res.body();
  }
  co_return std::string{};
}

/// A 502 for a chat request the platform could not serve.
net::awaitable<bool> answer_failure(beast::tcp_stream& client, unsigned version, bool keep_alive,
                                    std::string message) {
  api_error error;
  error.status = 502;
  error.type = "server_error";
  error.code = "platform_error";
  error.message = std::move(message);
  http::response<http::string_body> res{http::status::bad_gateway, version};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(keep_alive);
  res.body() = render_error(error);
  res.prepare_payload();
  client.expires_after(std::chrono::seconds(30));
  auto [ec, n] = co_await http::async_write(client, res, nothrow);
  co_return !ec && keep_alive;
}

} // namespace

std::string probe_platform(const baseline_options& options, std::chrono::milliseconds timeout) {
  net::io_context io{1};
  std::string outcome = "the platform probe did not finish within "
                        + std::to_string(timeout.count()) + " ms";
  net::co_spawn(io, probe(options), [&outcome](std::exception_ptr error, std::string answer) {
    outcome = error ? std::string{"the platform probe failed"} : std::move(answer);
  });
  io.run_for(timeout);
  return outcome;
}

net::awaitable<bool> relay_agent_chat(beast::tcp_stream& client,
                                      const http::request<http::string_body>& req,
                                      const baseline_options& options, bool keep_alive) {
  beast::tcp_stream upstream{client.get_executor()};
  upstream.expires_after(platform_timeout);
  auto target = platform_endpoint(options);
  auto [connect_ec] = co_await upstream.async_connect(target, nothrow);
  if (connect_ec) {
    auto message = "cannot connect to the platform endpoint: " + connect_ec.message();
    co_return co_await answer_failure(client, req.version(), keep_alive, std::move(message));
  }
  http::request<http::string_body> call{http::verb::post, "/v1/chat/completions", 11};
  call.set(http::field::host, options.platform_host);
  call.set(http::field::content_type, "application/json");
  call.set(http::field::authorization, bearer(options));
  // The trace goes on as it came: the baseline makes no span of its own.
  for (std::string_view name : {"x-request-id", "traceparent", "tracestate"}) {
    if (auto field = req.find(name); field != req.end()) {
      call.set(name, field->value());
    }
  }
  call.body() = req.body();
  call.prepare_payload();
  auto [write_ec, written] = co_await http::async_write(upstream, call, nothrow);
  if (write_ec) {
    auto message = "cannot send to the platform endpoint: " + write_ec.message();
    co_return co_await answer_failure(client, req.version(), keep_alive, std::move(message));
  }
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  auto [head_ec, head_n] = co_await http::async_read_header(upstream, buffer, parser, nothrow);
  if (head_ec) {
    auto message = "no answer from the platform endpoint: " + head_ec.message();
    co_return co_await answer_failure(client, req.version(), keep_alive, std::move(message));
  }
  auto& answer = parser.get();
  http::response<http::empty_body> res{answer.result(), req.version()};
  res.set(http::field::content_type, answer[http::field::content_type]);
  res.set(http::field::server, "janus-baseline");
  res.keep_alive(keep_alive);
  res.chunked(true);
  http::response_serializer<http::empty_body> serializer{res};
  client.expires_after(std::chrono::seconds(30));
  auto [res_ec, res_n] = co_await http::async_write_header(client, serializer, nothrow);
  if (res_ec) {
    co_return false;
  }
  std::array<char, 16 * 1024> piece;
  while (!parser.is_done()) {
    answer.body().data = piece.data();
    answer.body().size = piece.size();
    auto [ec, n] = co_await http::async_read_some(upstream, buffer, parser, nothrow);
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    auto got = piece.size() - answer.body().size;
    if (got > 0) {
      client.expires_after(std::chrono::seconds(30));
      auto [wec, wn] = co_await net::async_write(
        client, http::make_chunk(net::buffer(piece.data(), got)), nothrow);
      if (wec) {
        co_return false;
      }
    }
    if (ec) {
      co_return false; // the answer broke off: so does ours
    }
  }
  client.expires_after(std::chrono::seconds(30));
  auto [last_ec, last_n] = co_await net::async_write(client, http::make_chunk_last(), nothrow);
  co_return !last_ec && keep_alive;
}

} // namespace janus::baseline
