#include "http/platform_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "http/connect_tunnel.hpp"
#include "http/platform_endpoint.hpp"
#include "http/platform_io.hpp"
#include "http/platform_proxy.hpp"
#include "http/platform_replies.hpp"
#include "http/platform_shared.hpp"
#include "http/replies.hpp"
#include "http/trace_headers.hpp"
#include "logging/event.hpp"
#include "model/platform.hpp"

namespace janus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

/// The JSON of `GET /health` on an endpoint: who the endpoint says the caller is.
std::string identity_body(const endpoint_owner& owner) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer{out};
  writer.StartObject();
  writer.Key("status");
  writer.String("ok");
  writer.Key("model");
  writer.String(owner.model.c_str(), static_cast<rapidjson::SizeType>(owner.model.size()));
  writer.Key("container");
  writer.String(owner.container.c_str(),
                static_cast<rapidjson::SizeType>(owner.container.size()));
  writer.EndObject();
  return std::string{out.GetString(), out.GetSize()};
}

} // namespace

platform_session::platform_session(asio::ip::tcp::socket socket,
                                   std::shared_ptr<platform_endpoint> home)
  : client_(std::move(socket)),
    deadline_(client_.socket(), client_.get_executor()),
    home_(std::move(home)) {
  home_->add(this);
}

platform_session::~platform_session() {
  home_->remove(this);
}

void platform_session::start() {
  beast::error_code ignored;
  client_.socket().set_option(asio::ip::tcp::no_delay{true}, ignored);
  asio::co_spawn(client_.get_executor(), [self = shared_from_this()] { return self->run(); },
                 asio::detached);
  asio::co_spawn(client_.get_executor(),
                 [self = shared_from_this()] { return self->deadline_.run(self); },
                 asio::detached);
}

void platform_session::close() {
  closed_ = true;
  deadline_.stop();
  beast::error_code ignored;
  client_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  client_.socket().close(ignored);
}

asio::awaitable<void> platform_session::run() {
  const auto& cfg = home_->shared().config;
  while (!closed_) {
    parser_type parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
    parser.body_limit(boost::none); // the route, once known, sets it before the body is read
    deadline_.reading(std::chrono::steady_clock::now() + cfg.idle_timeout);
    auto read_ec = co_await read_now(client_.socket(), buffer_, parser, true);
    auto ec = deadline_.reason(read_ec);
    // Each step of the call names its own deadline; answers of our own have their write limits.
    deadline_.none();
    if (ec) {
      if (closed_) {
        break;
      }
      if (auto refusal = answer_to_read_error(ec, cfg.max_header_bytes, 0)) {
        call_record call;
        call.status = refusal->status;
        call.detail = "unreadable request: " + ec.message();
        co_await write_platform_answer(client_, refusal->status, refusal->body, 0, {}, false,
                                       cfg.read_timeout);
        report(call);
      }
      break;
    }
    call_record call;
    call.began = std::chrono::steady_clock::now();
    bool keep_going = co_await serve(parser, call);
    report(call);
    if (!keep_going) {
      break;
    }
  }
  close();
}

asio::awaitable<std::optional<error_info>> platform_session::read_body(parser_type& parser,
                                                                       std::size_t limit) {
  const auto& cfg = home_->shared().config;
  // Beast checks a Content-Length against the limit only when the header completes, before the
  // route was known: check it here; a chunked body is checked piece by piece against the limit.
  auto too_large = error_info{errc::body_too_large, "the request body is larger than "
                                                      + std::to_string(limit)
                                                      + " bytes (the route's max_body_bytes)"};
  if (auto length = parser.content_length(); length && *length > limit) {
    co_return too_large;
  }
  parser.body_limit(limit);
  auto& head = parser.get();
  if (beast::iequals(head[bhttp::field::expect], "100-continue")) {
    bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
    client_.expires_after(cfg.read_timeout);
    auto [ec, n] = co_await bhttp::async_write(client_, go_on, nothrow);
    if (ec) {
      co_return error_info{errc::invalid_request, "the container left: " + ec.message()};
    }
  }
  if (!parser.is_done()) {
    deadline_.reading(std::chrono::steady_clock::now() + cfg.read_timeout);
    auto [read_ec, n] = co_await bhttp::async_read(client_.socket(), buffer_, parser, nothrow);
    auto ec = deadline_.reason(read_ec);
    deadline_.none();
    if (ec == bhttp::error::body_limit) {
      co_return too_large;
    }
    if (ec) {
      co_return error_info{errc::invalid_request, "cannot read the request: " + ec.message()};
    }
  }
  co_return std::nullopt;
}

asio::awaitable<bool> platform_session::serve(parser_type& parser, call_record& call) {
  auto& shared = home_->shared();
  const auto& cfg = shared.config;
  auto& head = parser.get();
  call.method = std::string{head.method_string()};
  call.request_id = accepted_request_id(head["x-request-id"]);
  call.trace = next_hop_of(head);
  // A body left unread cannot be skipped safely: answers given before it close the connection.
  bool keep_alive = head.keep_alive() && !closed_;
  bool body_pending = !parser.is_done();

  if (head.method() == bhttp::verb::connect) {
    call.route = "egress";
    call.path = std::string{head.target()};
    auto token = credential_token(head[bhttp::field::proxy_authorization]);
    if (!token) {
      token = credential_token(head[bhttp::field::authorization]);
    }
    if (!token || !constant_time_equal(*token, home_->token())) {
      error_info denied{errc::unauthorized, "CONNECT needs the container's token (the user "
                                            "info of HTTPS_PROXY, or Proxy-Authorization)"};
      call.status = status_of(denied);
      call.detail = denied.message;
      co_await write_platform_error(client_, denied, call.request_id, false, cfg.read_timeout);
      co_return false;
    }
    connect_tunnel tunnel{client_, buffer_, *home_, call.request_id};
    auto outcome = co_await tunnel.run(head.target());
    call.status = outcome.status;
    call.request_bytes = outcome.from_container;
    call.response_bytes = outcome.to_container;
    call.detail = std::move(outcome.detail);
    co_return false;
  }

  auto target = std::string_view{head.target()};
  auto question = target.find('?');
  auto path = target.substr(0, question);
  auto query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  call.path = std::string{path};

  auto token = credential_token(head[bhttp::field::authorization]);
  if (!token || !constant_time_equal(*token, home_->token())) {
    error_info denied{errc::unauthorized,
                      "the platform endpoint needs Authorization: Bearer $JANUS_LLM_API_KEY"};
    call.status = status_of(denied);
    call.detail = denied.message;
    co_return co_await send_error(denied, call, keep_alive && !body_pending);
  }
  if (!is_clean_path(path)) {
    error_info bad{errc::invalid_request,
                   "the path has an empty, '.' or '..' segment or an encoded separator"};
    co_return co_await send_error(bad, call, keep_alive && !body_pending);
  }
  if (path == "/health" && head.method() == bhttp::verb::get) {
    call.route = "health";
    auto identity = identity_body(home_->owner());
    co_return co_await send_json(200, std::move(identity), call, keep_alive && !body_pending);
  }
  auto index = match_route(shared.prefixes, path);
  if (!index) {
    error_info none{errc::no_route, "no platform route serves " + std::string{path}};
    co_return co_await send_error(none, call, keep_alive && !body_pending);
  }
  const auto& route = shared.targets[*index];
  call.route = route.config.prefix;
  if (!route.upstream) {
    error_info unset{errc::not_configured,
                     "the platform route " + route.config.prefix
                       + " is not configured (set platform.routes." + route.config.prefix
                       + ".upstream)"};
    co_return co_await send_error(unset, call, keep_alive && !body_pending);
  }
  auto [admitted, refusal] = shared.limits.admit(home_->owner().model, *index, route.config,
                                                 std::chrono::steady_clock::now());
  if (!admitted) {
    co_return co_await send_error(refusal, call, keep_alive && !body_pending);
  }
  if (auto unread = co_await read_body(parser, route.config.max_body_bytes)) {
    co_return co_await send_error(*unread, call, false);
  }
  auto request = parser.release();
  call.request_bytes = request.body().size();
  auto upstream_target_path = upstream_target(*route.upstream, route.config.prefix, path, query);
  platform_proxy proxy{client_, deadline_, home_->home(), route, *index, request,
                       std::move(upstream_target_path), call.request_id, call.trace, keep_alive};
  auto outcome = co_await proxy.run();
  call.status = outcome.status;
  call.response_bytes = outcome.response_bytes;
  call.detail = std::move(outcome.detail);
  co_return outcome.keep_alive && !closed_;
}

asio::awaitable<bool> platform_session::send_error(const error_info& error, call_record& call,
                                                   bool keep_alive) {
  call.status = status_of(error);
  call.detail = error.message;
  co_return co_await write_platform_error(client_, error, call.request_id, keep_alive,
                                          home_->shared().config.read_timeout);
}

asio::awaitable<bool> platform_session::send_json(unsigned status, std::string body,
                                                  call_record& call, bool keep_alive) {
  call.status = status;
  call.response_bytes = body.size();
  co_return co_await write_platform_answer(client_, status, std::move(body), 0, call.request_id,
                                           keep_alive, home_->shared().config.read_timeout);
}

void platform_session::report(const call_record& call) const {
  auto took = std::chrono::steady_clock::now() - call.began;
  const auto& owner = home_->owner();
  if (call.route != "egress") {
    home_->shared().metrics.count_call(owner.model, call.route, call.status, took,
                                       call.request_bytes, call.response_bytes);
  }
  auto level = call.status >= 500 || call.status == 0 ? spdlog::level::warn : spdlog::level::info;
  if (!logging::enabled(level)) {
    return;
  }
  logging::event line{call.route == "egress" ? "platform tunnel" : "platform call"};
  line.field("model", owner.model)
    .field("container", owner.container)
    .field("route", call.route)
    .field("method", call.method)
    .field("path", call.path)
    .field("status", call.status)
    .millis("duration_ms", took)
    .field("request_bytes", call.request_bytes)
    .field("response_bytes", call.response_bytes);
  if (!call.request_id.empty()) {
    line.field("request_id", call.request_id);
  }
  line.field("trace_id", call.trace.trace_id_text()).field("span_id", call.trace.span_id_text());
  if (call.trace.continued) {
    line.field("parent_id", call.trace.parent_id_text());
  }
  if (!call.detail.empty()) {
    line.field("detail", call.detail);
  }
  line.log(level);
}

} // namespace janus::http
