#include "http/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "http/ask.hpp"
#include "http/chat_proxy.hpp"
#include "http/error_response.hpp"
#include "http/request_id.hpp"

namespace janus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

} // namespace

session::session(asio::ip::tcp::socket socket, shard& home, const server_config& cfg,
                 broker& pools, const server_hooks& hooks)
  : client_(std::move(socket)), home_(home), cfg_(cfg), pools_(pools), hooks_(hooks) {
  home_.add(this);
}

session::~session() {
  home_.remove(this);
}

void session::start() {
  beast::error_code ignored;
  client_.socket().set_option(asio::ip::tcp::no_delay{true}, ignored);
  asio::co_spawn(client_.get_executor(), [self = shared_from_this()] { return self->run(); },
                 asio::detached);
}

void session::drain() {
  draining_ = true;
  if (idle_) {
    close();
  }
}

void session::close() {
  beast::error_code ignored;
  client_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  client_.socket().close(ignored);
}

asio::awaitable<void> session::run() {
  while (!draining_) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg_.max_header_bytes));
    parser.body_limit(cfg_.max_body_bytes);
    idle_ = true;
    client_.expires_after(cfg_.idle_timeout);
    auto [head_ec, head_n] = co_await bhttp::async_read_header(client_, buffer_, parser, nothrow);
    idle_ = false;
    if (head_ec) {
      if (head_ec == bhttp::error::header_limit) {
        co_await write(431, "application/json",
                       make_error_response({errc::invalid_request, "request headers exceed "
                                              + std::to_string(cfg_.max_header_bytes) + " bytes"}).body,
                       request_id_for({}), false);
      }
      break; // closed, timed out or unreadable: nothing to answer
    }
    auto request_id = request_id_for(parser.get()["x-request-id"]);
    if (auto length = parser.content_length(); length && *length > cfg_.max_body_bytes) {
      co_await write_error({errc::body_too_large, "the request body has " + std::to_string(*length)
                              + " bytes; the limit is " + std::to_string(cfg_.max_body_bytes)},
                           request_id, false);
      break;
    }
    client_.expires_after(cfg_.read_timeout);
    auto [body_ec, body_n] = co_await bhttp::async_read(client_, buffer_, parser, nothrow);
    if (body_ec == bhttp::error::body_limit) {
      co_await write_error({errc::body_too_large, "the request body exceeds "
                              + std::to_string(cfg_.max_body_bytes) + " bytes"},
                           request_id, false);
      break;
    }
    if (body_ec) {
      if (body_ec != bhttp::error::end_of_stream && body_ec != asio::error::eof) {
        co_await write_error({errc::invalid_request, "cannot read the request: " + body_ec.message()},
                             request_id, false);
      }
      break;
    }
    auto request = parser.release();
    bool keep_alive = co_await handle(request, request_id);
    if (!keep_alive) {
      break;
    }
  }
  close();
}

asio::awaitable<bool> session::handle(request_type& request, const std::string& request_id) {
  auto target = std::string_view{request.target()};
  if (auto query = target.find('?'); query != std::string_view::npos) {
    target = target.substr(0, query);
  }
  bool keep_alive = request.keep_alive() && !draining_;
  auto method = request.method();
  auto wrong_method = [&](std::string_view allowed) -> asio::awaitable<bool> {
    co_return co_await write(405, "application/json",
                             make_error_response({errc::invalid_request, "use " + std::string{allowed}
                                                    + " for " + std::string{target}}).body,
                             request_id, keep_alive);
  };

  if (target == "/v1/chat/completions") {
    if (method != bhttp::verb::post) {
      co_return co_await wrong_method("POST");
    }
    auto info = inspect_chat_request(request.body());
    if (!info) {
      co_return co_await write_error(info.error(), request_id, keep_alive);
    }
    chat_proxy proxy{client_, home_, cfg_, pools_, request_id, std::move(info.value()),
                     std::move(request.body()), keep_alive};
    co_return co_await proxy.run() && !draining_;
  }
  if (method != bhttp::verb::get && method != bhttp::verb::head) {
    if (target == "/health" || target == "/ready" || target == "/v1/models" || target == "/metrics") {
      co_return co_await wrong_method("GET");
    }
  }
  if (target == "/health") {
    co_return co_await write(200, "application/json", R"({"status":"ok"})", request_id, keep_alive);
  }
  if (target == "/ready") {
    co_return co_await handle_ready(request, request_id);
  }
  if (target == "/v1/models") {
    co_return co_await handle_models(request, request_id);
  }
  if (target == "/metrics") {
    auto text = hooks_.metrics_text ? hooks_.metrics_text() : std::string{};
    co_return co_await write(200, "text/plain; version=0.0.4; charset=utf-8", std::move(text),
                             request_id, keep_alive);
  }
  co_return co_await write(404, "application/json",
                           make_error_response({errc::invalid_request, "no route for "
                                                  + std::string{target}}).body,
                           request_id, keep_alive);
}

asio::awaitable<bool> session::handle_ready(const request_type& request,
                                            const std::string& request_id) {
  auto [ready, detail] = co_await ask<bool, std::string>(
    [this](auto done) { pools_.readiness(std::move(done)); });
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer{out};
  writer.StartObject();
  writer.Key("status");
  writer.String(ready ? "ready" : "starting");
  writer.Key("detail");
  writer.String(detail.c_str(), static_cast<rapidjson::SizeType>(detail.size()));
  writer.EndObject();
  co_return co_await write(ready ? 200 : 503, "application/json", out.GetString(), request_id,
                           request.keep_alive() && !draining_);
}

asio::awaitable<bool> session::handle_models(const request_type& request,
                                             const std::string& request_id) {
  auto names = co_await ask<std::vector<std::string>>(
    [this](auto done) { pools_.models(std::move(done)); });
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer{out};
  writer.StartObject();
  writer.Key("object");
  writer.String("list");
  writer.Key("data");
  writer.StartArray();
  for (const auto& name : names) {
    writer.StartObject();
    writer.Key("id");
    writer.String(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    writer.Key("object");
    writer.String("model");
    writer.Key("created");
    writer.Int64(0);
    writer.Key("owned_by");
    writer.String("janus");
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  co_return co_await write(200, "application/json", out.GetString(), request_id,
                           request.keep_alive() && !draining_);
}

asio::awaitable<bool> session::write(unsigned status, std::string_view content_type,
                                     std::string body, const std::string& request_id,
                                     bool keep_alive, int retry_after) {
  bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(status), 11};
  response.set(bhttp::field::content_type, content_type);
  response.set("x-request-id", request_id);
  if (retry_after > 0) {
    response.set(bhttp::field::retry_after, std::to_string(retry_after));
  }
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  client_.expires_after(cfg_.idle_timeout);
  auto [ec, n] = co_await bhttp::async_write(client_, response, nothrow);
  co_return !ec && keep_alive;
}

asio::awaitable<bool> session::write_error(const error_info& error, const std::string& request_id,
                                           bool keep_alive) {
  auto rendered = make_error_response(error);
  co_return co_await write(static_cast<unsigned>(rendered.status), "application/json",
                           std::move(rendered.body), request_id, keep_alive, rendered.retry_after);
}

} // namespace janus::http
