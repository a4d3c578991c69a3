#include "apps/janus-baseline/connection.hpp"

#include "apps/janus-baseline/chunk_renderer.hpp"
#include "apps/janus-baseline/platform_client.hpp"
#include "apps/janus-baseline/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cstdio>
#include <array>
#include <optional>
#include <variant>

namespace janus::baseline {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
constexpr std::uint32_t header_limit = 16 * 1024;
constexpr auto idle_timeout = std::chrono::seconds(60);
constexpr auto io_timeout = std::chrono::seconds(30);
/// How long and how much reject() reads on before it closes.
constexpr auto linger_timeout = std::chrono::seconds(1);
constexpr std::size_t linger_bytes = 4 * max_body_bytes;
constexpr std::string_view server_name = "janus-baseline";

/// A path the baseline serves and the one method it takes there.
struct route {
  std::string_view path;
  http::verb method;
};

constexpr std::array routes{
  route{"/health", http::verb::get},
  route{"/v1/models", http::verb::get},
  route{"/v1/chat/completions", http::verb::post},
  route{"/_baseline/health", http::verb::post},
  route{"/_baseline/stats", http::verb::get},
  route{"/_baseline/stop_listening", http::verb::post},
};

/// The answer to a request that could not be read, or nothing when the peer just left.
std::optional<api_error> read_failure_answer(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    return body_too_large(max_body_bytes);
  }
  if (ec == http::error::header_limit) {
    api_error error;
    error.status = 431;
    error.message = "Request header fields are larger than " + std::to_string(header_limit)
                    + " bytes";
    error.code = "header_too_large";
    return error;
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return std::nullopt;
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
    return invalid_request("Malformed HTTP request: " + ec.message());
  }
  return std::nullopt;
}

} // namespace

connection::connection(tcp::socket socket, server& owner)
  : stream_(std::move(socket)), timer_(stream_.get_executor()), server_(owner) {
  // nop
}

net::awaitable<void> connection::serve(std::shared_ptr<connection> self) {
  co_await self->serve_requests();
}

void connection::close() {
  timer_.cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

net::awaitable<void> connection::serve_requests() {
  for (;;) {
    if (server_.stopping()) {
      break;
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(header_limit);
    parser.body_limit(max_body_bytes);
    idle_ = true;
    stream_.expires_after(idle_timeout);
    auto [header_ec, header_bytes] = co_await http::async_read_header(stream_, buffer_, parser,
                                                                      nothrow);
    idle_ = false;
    if (header_ec) {
      if (auto answer = read_failure_answer(header_ec)) {
        co_await reject(*answer);
      }
      break;
    }
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
      stream_.expires_after(io_timeout);
      auto [ec, n] = co_await http::async_write(stream_, go_on, nothrow);
      if (ec) {
        break;
      }
    }
    if (!parser.is_done()) {
      stream_.expires_after(io_timeout);
      auto [body_ec, body_bytes] = co_await http::async_read(stream_, buffer_, parser, nothrow);
      if (body_ec) {
        if (auto answer = read_failure_answer(body_ec)) {
          co_await reject(*answer);
        }
        break;
      }
    }
    const auto& req = parser.get();
    const bool keep_alive = req.keep_alive() && !server_.stopping();
    if (!co_await handle(req, keep_alive) || !keep_alive) {
      break;
    }
  }
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.close();
}

net::awaitable<bool> connection::handle(const request& req, bool keep_alive) {
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  const auto version = req.version();
  auto found = std::find_if(routes.begin(), routes.end(),
                            [path](const route& r) { return r.path == path; });
  if (found == routes.end()) {
    co_return co_await write_error(unknown_path(req.method_string(), target), version,
                                   keep_alive);
  }
  if (found->method != req.method()) {
    co_return co_await write_error(method_not_allowed(req.method_string(), path), version,
                                   keep_alive, http::to_string(found->method));
  }
  if (path == "/v1/chat/completions") {
    co_return co_await handle_chat(req, keep_alive);
  }
  if (path == "/health") {
    co_return co_await write_json(server_.healthy() ? 200 : 503,
                                  render_health(server_.healthy()), version, keep_alive);
  }
  if (path == "/_baseline/stop_listening") {
    server_.stop_listening();
    co_return co_await write_json(200, R"({"listening":false})", version, keep_alive);
  }
  if (path == "/_baseline/stats") {
    co_return co_await write_json(
      200, R"({"chat_requests":)" + std::to_string(server_.chat_requests()) + "}", version,
      keep_alive);
  }
  if (path == "/v1/models") {
    auto created = server_.options().created.value_or(server_.started_at());
    co_return co_await write_json(200, render_models(server_.options(), created), version,
                                  keep_alive);
  }
  auto healthy = parse_health_toggle(req.body());
  if (auto* error = std::get_if<api_error>(&healthy)) {
    co_return co_await write_error(*error, version, keep_alive);
  }
  server_.set_healthy(std::get<bool>(healthy));
  co_return co_await write_json(200, render_health(server_.healthy()), version, keep_alive);
}

net::awaitable<bool> connection::handle_chat(const request& req, bool keep_alive) {
  const auto version = req.version();
  server_.count_chat_request();
  if (server_.options().log_requests) {
    // One write: lines of concurrent requests do not interleave.
    std::string line = "janus-baseline: chat request x-request-id="
                       + std::string{req["x-request-id"]} + " traceparent="
                       + std::string{req["traceparent"]} + " tracestate="
                       + std::string{req["tracestate"]} + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  }
  if (const auto& required = server_.options().required_authorization;
      required && req[http::field::authorization] != *required) {
    api_error denied;
    denied.status = 401;
    denied.type = "authentication_error";
    denied.code = "invalid_api_key";
    denied.message = "Incorrect API key provided";
    co_return co_await write_error(denied, version, keep_alive);
  }
  if (server_.options().agent) {
    co_return co_await relay_agent_chat(stream_, req, server_.options(), keep_alive);
  }
  auto parsed = parse_chat_request(req.body());
  if (auto* error = std::get_if<api_error>(&parsed)) {
    if (server_.options().breaks.error_500) {
      error->status = 500;
      error->type = "server_error";
    }
    co_return co_await write_error(*error, version, keep_alive);
  }
  auto plan = plan_answer(std::move(std::get<chat_request>(parsed)), server_.options(),
                          unix_now());
  if (plan.status) {
    co_return co_await write_error(simulated_error(*plan.status), version, keep_alive);
  }
  if (plan.stream) {
    co_return co_await stream_answer(plan, version, keep_alive);
  }
  const std::chrono::milliseconds token_delay{plan.token_delay_ms};
  const std::chrono::milliseconds first_token_delay{plan.first_token_delay_ms};
  if (plan.abort_after_tokens) {
    // A crash while generating: no answer at all.
    co_await wait(first_token_delay + token_delay * std::min(*plan.abort_after_tokens, plan.tokens));
    close();
    co_return false;
  }
  if (!co_await wait(first_token_delay + token_delay * plan.tokens)) {
    co_return false;
  }
  co_return co_await write_json(200, render_completion(plan), version, keep_alive);
}

net::awaitable<bool> connection::stream_answer(const answer_plan& plan, unsigned version,
                                               bool keep_alive) {
  http::response<http::empty_body> res{http::status::ok, version};
  res.set(http::field::server, server_name);
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  res.keep_alive(keep_alive);
  res.chunked(true);
  http::response_serializer<http::empty_body> serializer{res};
  stream_.expires_after(io_timeout);
  auto [ec, n] = co_await http::async_write_header(stream_, serializer, nothrow);
  if (ec) {
    co_return false;
  }
  chunk_renderer frames{plan};
  if (plan.first_token_delay_ms > 0
      && !co_await wait(std::chrono::milliseconds{plan.first_token_delay_ms})) {
    close();
    co_return false;
  }
  if (!co_await write_chunk(frames.role_frame())) {
    co_return false;
  }
  const std::chrono::milliseconds token_delay{plan.token_delay_ms};
  const auto aborts_at = [&plan](std::size_t sent) {
    return plan.abort_after_tokens && *plan.abort_after_tokens == sent;
  };
  const auto fails_at = [&plan](std::size_t sent) {
    return plan.error_after_tokens && *plan.error_after_tokens == sent;
  };
  bool failed = fails_at(0);
  for (std::size_t i = 0; i < plan.tokens && !failed; ++i) {
    if (aborts_at(i) || !co_await wait(token_delay)) {
      close();
      co_return false;
    }
    if (!co_await write_chunk(frames.token_frame(i))) {
      co_return false;
    }
    failed = fails_at(i + 1);
  }
  if (failed) {
    auto error_frame = "data: " + render_error(simulated_stream_error()) + "\n\n";
    if (!co_await write_chunk(error_frame)) {
      co_return false;
    }
  } else {
    if (aborts_at(plan.tokens)) {
      close();
      co_return false;
    }
    if (!co_await write_chunk(frames.finish_frame())) {
      co_return false;
    }
    if (plan.include_usage && !co_await write_chunk(frames.usage_frame())) {
      co_return false;
    }
  }
  if (plan.send_done && !co_await write_chunk(chunk_renderer::done_frame())) {
    co_return false;
  }
  stream_.expires_after(io_timeout);
  auto [last_ec, last_n] = co_await net::async_write(stream_, http::make_chunk_last(), nothrow);
  co_return !last_ec;
}

net::awaitable<bool> connection::write_json(unsigned status, std::string body, unsigned version,
                                            bool keep_alive, std::string_view allow) {
  http::response<http::string_body> res{static_cast<http::status>(status), version};
  res.set(http::field::server, server_name);
  res.set(http::field::content_type, "application/json");
  if (!allow.empty()) {
    res.set(http::field::allow, allow);
  }
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  stream_.expires_after(io_timeout);
  auto [ec, n] = co_await http::async_write(stream_, res, nothrow);
  co_return !ec;
}

net::awaitable<bool> connection::write_error(const api_error& error, unsigned version,
                                             bool keep_alive, std::string_view allow) {
  co_return co_await write_json(error.status, render_error(error), version, keep_alive, allow);
}

net::awaitable<bool> connection::write_chunk(std::string_view data) {
  stream_.expires_after(io_timeout);
  auto [ec, n] = co_await net::async_write(stream_, http::make_chunk(net::buffer(data)),
                                           nothrow);
  co_return !ec;
}

net::awaitable<void> connection::reject(const api_error& error) {
  if (!co_await write_error(error, 11, false)) {
    co_return;
  }
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(linger_timeout);
  std::array<char, 16 * 1024> scratch;
  std::size_t drained = 0;
  while (drained < linger_bytes) {
    auto [ec, n] = co_await stream_.async_read_some(net::buffer(scratch), nothrow);
    if (ec) {
      break;
    }
    drained += n;
  }
}

net::awaitable<bool> connection::wait(std::chrono::milliseconds delay) {
  if (delay.count() > 0) {
    timer_.expires_after(delay);
    auto [ec] = co_await timer_.async_wait(nothrow);
    if (ec) {
      co_return false;
    }
  }
  co_return stream_.socket().is_open();
}

} // namespace janus::baseline
