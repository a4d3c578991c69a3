#include "http/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

#include <array>

#include "http/ask.hpp"
#include "http/chat_proxy.hpp"
#include "http/replies.hpp"
#include "http/request_id.hpp"
#include "http/request_metrics.hpp"
#include "http/request_summary.hpp"
#include "http/sandbox_routes.hpp"
#include "http/trace_headers.hpp"
#include "logging/event.hpp"

namespace janus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

/// What the first read of a request asks for; the parser reads on when the head is longer.
constexpr std::size_t first_read_bytes = 16 * 1024;

/// The interim answer to `Expect: 100-continue`.
constexpr std::string_view continue_answer = "HTTP/1.1 100 Continue\r\n\r\n";

/// The error a request that could not be read is counted under, by the status it got.
errc refusal_reason(unsigned status) {
  switch (status) {
    case 413:
      return errc::body_too_large;
    case 431:
      return errc::headers_too_large;
    default:
      return errc::invalid_request;
  }
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

/// Records a chat request refused before it reached the pools: its log line and metrics, under
/// the `_unknown` model (the body was not read, or not understood).
void report_refusal(const server_hooks& hooks, std::string_view request_id,
                    const trace_context& trace, errc reason, unsigned status,
                    std::chrono::steady_clock::duration took) {
  request_summary summary;
  summary.request_id = request_id;
  summary.trace_id = trace.trace_id_text();
  summary.span_id = trace.span_id_text();
  summary.status = status;
  summary.outcome = "rejected";
  summary.error = reason;
  summary.total = took;
  report(summary, hooks.requests != nullptr ? &hooks.requests->unknown() : nullptr);
}

} // namespace

session::session(asio::ip::tcp::socket socket, shard& home, const server_config& cfg,
                 broker& pools, const server_hooks& hooks, connection_slot place)
  : client_(std::move(socket)),
    deadline_(client_.get_executor()),
    home_(home),
    cfg_(cfg),
    pools_(pools),
    hooks_(hooks),
    place_(std::move(place)) {
  policy_.admin_enabled = is_admin_path("/admin", hooks_.admin);
  policy_.admin_token = hooks_.admin.token;
  policy_.api_keys = &hooks_.auth.keys;
  policy_.metrics_need_key = hooks_.auth.metrics_need_key;
  policy_.sandbox_enabled = hooks_.sandbox != nullptr;
  policy_.sandbox_needs_api_key =
    hooks_.sandbox != nullptr && hooks_.sandbox->config().auth == sandbox_auth::api_keys;
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
  asio::co_spawn(client_.get_executor(),
                 [self = shared_from_this()] { return self->deadline_.run(self); },
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
  // However run() ends (an exception included), the connection closes and the deadline's watch
  // ends with it (the watch bounds the request in progress until then, a drain's too).
  struct closer {
    session& owner;
    ~closer() {
      owner.close();
      owner.deadline_.stop();
    }
  } closing{*this};
  while (!draining_) {
    parser_type parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg_.max_header_bytes));
    parser.body_limit(cfg_.max_body_bytes);
    idle_ = true;
    if (buffer_.size() == 0) {
      // idle_timeout bounds the wait for the first byte of the next request; what this read
      // brings is parsed below, so it costs no system call of its own.
      beast::error_code idle_ec;
      std::size_t got = 0;
      {
        socket_deadline::scope bounded{deadline_, client_.socket(),
                                       std::chrono::steady_clock::now() + cfg_.idle_timeout};
        std::tie(idle_ec, got) = co_await client_.socket().async_read_some(
          buffer_.prepare(beast::read_size(buffer_, first_read_bytes)), nothrow);
      }
      if (idle_ec) {
        break; // closed, reset or idle for too long: nobody to answer
      }
      buffer_.commit(got);
    }
    idle_ = false;
    // From its first byte on, read_timeout bounds the request's head and body together.
    client_.expires_after(cfg_.read_timeout);
    auto head_ec = parse_buffered(parser);
    if (head_ec == bhttp::error::need_more) {
      std::size_t n = 0;
      std::tie(head_ec, n) = co_await bhttp::async_read_header(client_, buffer_, parser, nothrow);
    }
    // What the head holds so far: the request line is known even when a field was refused.
    const auto& head = parser.get();
    auto request_id = request_id_for(first_field(head, "x-request-id"));
    trace_ = next_hop_of(head);
    version_ = head.version();
    head_request_ = head.method() == bhttp::verb::head;
    auto path = path_of(head.target());
    if (head_ec) {
      co_await refuse_unread(head_ec, route_of(path, policy_.admin_enabled, policy_.sandbox_enabled),
                             request_id);
      break;
    }
    auto verdict = judge_head(head, path, policy_);
    if (verdict.refusal.code != errc::none) {
      // An unread body would be read as the next request: only a request without one may
      // keep its connection.
      bool keep_alive = !verdict.framing && parser.is_done() && head.keep_alive() && !draining_;
      if (!co_await refuse(verdict, path, request_id, keep_alive)) {
        break;
      }
      continue;
    }
    if (!parser.is_done()) {
      if (verdict.expects_continue && buffer_.size() == 0) {
        auto [continue_ec, continue_n] =
          co_await asio::async_write(client_, asio::buffer(continue_answer), nothrow);
        if (continue_ec) {
          break;
        }
      }
      auto body_ec = parse_buffered(parser);
      if (body_ec == bhttp::error::need_more) {
        std::size_t n = 0;
        std::tie(body_ec, n) = co_await bhttp::async_read(client_, buffer_, parser, nothrow);
      }
      if (body_ec) {
        co_await refuse_unread(body_ec, verdict.target, request_id);
        break;
      }
    }
    auto request = parser.release();
    bool keep_alive = false;
    if (verdict.target == route::chat) {
      // Straight to the chat path: handle()'s frame would hold every route's locals.
      const std::string any_pool;
      keep_alive = co_await serve_chat(request, request_id, request.keep_alive() && !draining_,
                                       any_pool);
    } else {
      keep_alive = co_await handle(request, verdict.target, request_id);
    }
    if (!keep_alive) {
      break;
    }
  }
}

beast::error_code session::parse_buffered(parser_type& parser) {
  bool in_head = !parser.is_header_done();
  beast::error_code ec;
  while (!parser.is_done()) {
    if (buffer_.size() == 0) {
      return bhttp::error::need_more;
    }
    auto used = parser.put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec) {
      return ec;
    }
    if (in_head && parser.is_header_done()) {
      return {};
    }
    if (used == 0) {
      return bhttp::error::need_more;
    }
  }
  return {};
}

asio::awaitable<void> session::refuse_unread(const beast::error_code& ec, route target,
                                             const std::string& request_id) {
  if (ec == beast::error::timeout) {
    // As nginx does: the 408 is in the log, not on the wire (the stream closed at the deadline).
    if (target == route::chat) {
      report_refusal(hooks_, request_id, trace_, errc::request_timeout, 408,
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(cfg_.read_timeout));
    } else {
      logging::event{"request not read within read_timeout: connection closed"}
        .field("request_id", request_id)
        .field("trace_id", trace_.trace_id_text())
        .field("span_id", trace_.span_id_text())
        .field("status", 408)
        .debug();
    }
    co_return;
  }
  auto refusal = answer_to_read_error(ec, cfg_.max_header_bytes, cfg_.max_body_bytes);
  if (!refusal) {
    co_return; // closed or reset: nobody to answer
  }
  if (target == route::chat) {
    report_refusal(hooks_, request_id, trace_, refusal_reason(refusal->status), refusal->status,
                   std::chrono::steady_clock::duration::zero());
  }
  co_await send(*refusal, request_id, false);
  co_await linger();
}

asio::awaitable<bool> session::refuse(const head_verdict& verdict, std::string_view path,
                                      const std::string& request_id, bool keep_alive) {
  auto answer = verdict.refusal.code == errc::method_not_allowed
                  ? method_not_allowed(allowed_methods(verdict.target), path)
                  : error_reply(verdict.refusal);
  if (verdict.target == route::chat) {
    report_refusal(hooks_, request_id, trace_, verdict.refusal.code, answer.status,
                   std::chrono::steady_clock::duration::zero());
  }
  bool kept = co_await send(answer, request_id, keep_alive);
  if (!kept) {
    co_await linger();
  }
  co_return kept;
}

asio::awaitable<void> session::linger() {
  // The client may still be sending the body we refused: closing now would reset the connection
  // and could destroy our answer before it is read. Stop sending, read and drop what comes for a
  // short while, then close.
  beast::error_code ec;
  client_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  client_.expires_after(std::chrono::seconds(1));
  std::array<char, 8192> sink;
  while (!ec) {
    std::size_t n = 0;
    std::tie(ec, n) = co_await client_.async_read_some(asio::buffer(sink), nothrow);
  }
}

// -- bridges to the pools (plain functions: GCC 12 must not see these lambdas inside a
// co_await expression) ----------------------------------------------------------------------

auto session::ask_readiness() {
  return ask<bool, std::string>([this](auto done) { pools_.readiness(std::move(done)); });
}

auto session::ask_models() {
  return ask<std::vector<std::string>>([this](auto done) { pools_.models(std::move(done)); });
}

auto session::ask_statuses() {
  return ask<std::vector<pool_status>>([this](auto done) { pools_.statuses(std::move(done)); });
}

asio::awaitable<bool> session::handle(request_type& request, route target,
                                      const std::string& request_id) {
  bool keep_alive = request.keep_alive() && !draining_;
  switch (target) {
    case route::chat: {
      // run() sends chat requests to serve_chat itself, without this frame; the case keeps
      // handle() an answer for every route.
      const std::string body_model;
      co_return co_await serve_chat(request, request_id, keep_alive, body_model);
    }
    case route::sandbox: {
      auto path = path_of(request.target());
      auto base = sandbox_base_url(hooks_.sandbox->config(), request[bhttp::field::host], cfg_,
                                   cfg_.port);
      auto outcome = co_await sandbox_answer(request, path, *hooks_.sandbox, std::move(base));
      if (!outcome.chat_model.empty()) {
        co_return co_await serve_chat(request, request_id, keep_alive, outcome.chat_model);
      }
      co_return co_await send(outcome.answer, request_id, keep_alive);
    }
    case route::admin: {
      auto path = path_of(request.target());
      auto answer = co_await admin_answer(request, path, pools_, hooks_.admin, hooks_.requests);
      co_return co_await send(answer, request_id, keep_alive);
    }
    case route::health: {
      auto answer = json_reply(200, R"({"status":"ok"})");
      co_return co_await send(answer, request_id, keep_alive);
    }
    case route::ready: {
      auto [ready, detail] = co_await ask_readiness();
      auto answer = readiness_reply(ready, detail);
      co_return co_await send(answer, request_id, keep_alive);
    }
    case route::models: {
      auto names = co_await ask_models();
      if (hooks_.sandbox != nullptr) {
        // A sandbox container's pool is no public model.
        std::erase_if(names, [this](const std::string& name) {
          return hooks_.sandbox->is_sandbox_model(name);
        });
      }
      auto answer = json_reply(200, models_body(names));
      co_return co_await send(answer, request_id, keep_alive);
    }
    case route::metrics: {
      auto pools = co_await ask_statuses();
      reply answer{200, "text/plain; version=0.0.4; charset=utf-8",
                   hooks_.metrics_text ? hooks_.metrics_text(pools) : std::string{}, 0};
      co_return co_await send(answer, request_id, keep_alive);
    }
    case route::unknown:
      break;
  }
  auto answer = no_route(path_of(request.target()));
  co_return co_await send(answer, request_id, keep_alive);
}

asio::awaitable<bool> session::serve_chat(request_type& request, const std::string& request_id,
                                          bool keep_alive, const std::string& pool) {
  auto received = std::chrono::steady_clock::now();
  auto info = inspect_chat_request(request.body(), cfg_.max_json_depth);
  if (info && hooks_.sandbox != nullptr) {
    if (!pool.empty()) {
      info.value().model = pool;
    } else if (hooks_.sandbox->is_sandbox_model(info.value().model)) {
      // Reached only through its sandbox's route (and its credential).
      info = error_info{errc::unknown_model,
                        "the model `" + info.value().model + "` does not exist"};
    }
  }
  if (!info) {
    auto answer = error_reply(info.error());
    report_refusal(hooks_, request_id, trace_, info.error().code, answer.status,
                   std::chrono::steady_clock::now() - received);
    co_return co_await send(answer, request_id, keep_alive);
  }
  proxy_.emplace(client_, deadline_, home_, cfg_, pools_, request_id, trace_,
                 std::move(info.value()), std::move(request.body()), keep_alive, hooks_.requests,
                 version_);
  // However this frame ends (its coroutine destroyed at shutdown too), the proxy goes with it.
  struct ending {
    std::optional<chat_proxy>& proxy;
    ~ending() {
      proxy.reset();
    }
  } end_of_proxy{proxy_};
  co_return co_await proxy_->run() && !draining_;
}

asio::awaitable<bool> session::send(const reply& answer, const std::string& request_id,
                                    bool keep_alive) {
  bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(answer.status), 11};
  response.set(bhttp::field::content_type, answer.content_type);
  response.set("x-request-id", request_id);
  if (answer.retry_after > 0) {
    response.set(bhttp::field::retry_after, std::to_string(answer.retry_after));
  }
  if (!answer.www_authenticate.empty()) {
    response.set(bhttp::field::www_authenticate, answer.www_authenticate);
  }
  if (!answer.allow.empty()) {
    response.set(bhttp::field::allow, answer.allow);
  }
  response.keep_alive(keep_alive);
  if (keep_alive && version_ < 11) {
    // HTTP/1.0 closes by default: a kept connection says so.
    response.set(bhttp::field::connection, "keep-alive");
  }
  if (head_request_) {
    // The head a GET would get, its Content-Length included, and no body (RFC 9110 9.3.2).
    response.content_length(answer.body.size());
  } else {
    response.body() = answer.body;
    response.prepare_payload();
  }
  client_.expires_after(cfg_.idle_timeout);
  auto [ec, n] = co_await bhttp::async_write(client_, response, nothrow);
  co_return !ec && keep_alive;
}

} // namespace janus::http
