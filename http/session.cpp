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

namespace janus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

constexpr std::string_view chat_path = "/v1/chat/completions";

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

/// Records a chat request refused before it reached the pools: its log line and metrics, under
/// the `_unknown` model (the body was not read, or not understood).
void report_refusal(const server_hooks& hooks, std::string_view request_id, errc reason,
                    unsigned status, std::chrono::steady_clock::duration took) {
  request_summary summary;
  summary.request_id = request_id;
  summary.status = status;
  summary.outcome = "rejected";
  summary.error = reason;
  summary.total = took;
  report(summary, hooks.requests != nullptr ? &hooks.requests->unknown() : nullptr);
}

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
    beast::error_code read_ec = head_ec;
    if (!read_ec) {
      client_.expires_after(cfg_.read_timeout);
      auto [body_ec, body_n] = co_await bhttp::async_read(client_, buffer_, parser, nothrow);
      read_ec = body_ec;
    }
    auto request_id = request_id_for(parser.get()["x-request-id"]);
    if (read_ec) {
      if (auto refusal = answer_to_read_error(read_ec, cfg_.max_header_bytes, cfg_.max_body_bytes)) {
        if (parser.is_header_done() && path_of(parser.get().target()) == chat_path) {
          report_refusal(hooks_, request_id,
                         refusal->status == 413 ? errc::body_too_large : errc::invalid_request,
                         refusal->status, std::chrono::steady_clock::duration::zero());
        }
        co_await send(*refusal, request_id, false);
        co_await linger();
      }
      break; // closed, timed out or answered: the connection ends here
    }
    auto request = parser.release();
    bool keep_alive = co_await handle(request, request_id);
    if (!keep_alive) {
      break;
    }
  }
  close();
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

asio::awaitable<bool> session::handle(request_type& request, const std::string& request_id) {
  auto target = std::string_view{request.target()};
  if (auto query = target.find('?'); query != std::string_view::npos) {
    target = target.substr(0, query);
  }
  bool keep_alive = request.keep_alive() && !draining_;
  auto method = request.method();
  bool is_get = method == bhttp::verb::get || method == bhttp::verb::head;

  if (target == chat_path) {
    auto received = std::chrono::steady_clock::now();
    if (method != bhttp::verb::post) {
      auto answer = method_not_allowed("POST", target);
      report_refusal(hooks_, request_id, errc::invalid_request, answer.status,
                     std::chrono::steady_clock::now() - received);
      co_return co_await send(answer, request_id, keep_alive);
    }
    auto info = inspect_chat_request(request.body(), cfg_.max_json_depth);
    if (!info) {
      auto answer = error_reply(info.error());
      report_refusal(hooks_, request_id, info.error().code, answer.status,
                     std::chrono::steady_clock::now() - received);
      co_return co_await send(answer, request_id, keep_alive);
    }
    chat_proxy proxy{client_, home_, cfg_, pools_, request_id, std::move(info.value()),
                     std::move(request.body()), keep_alive, hooks_.requests};
    co_return co_await proxy.run() && !draining_;
  }
  if (is_admin_path(target, hooks_.admin)) {
    auto answer = co_await admin_answer(request, target, pools_, hooks_.admin, hooks_.requests);
    co_return co_await send(answer, request_id, keep_alive);
  }
  bool known = target == "/health" || target == "/ready" || target == "/v1/models"
               || target == "/metrics";
  if (known && !is_get) {
    auto answer = method_not_allowed("GET", target);
    co_return co_await send(answer, request_id, keep_alive);
  }
  if (target == "/health") {
    auto answer = json_reply(200, R"({"status":"ok"})");
    co_return co_await send(answer, request_id, keep_alive);
  }
  if (target == "/ready") {
    auto [ready, detail] = co_await ask_readiness();
    auto answer = readiness_reply(ready, detail);
    co_return co_await send(answer, request_id, keep_alive);
  }
  if (target == "/v1/models") {
    auto names = co_await ask_models();
    auto answer = json_reply(200, models_body(names));
    co_return co_await send(answer, request_id, keep_alive);
  }
  if (target == "/metrics") {
    auto pools = co_await ask_statuses();
    reply answer{200, "text/plain; version=0.0.4; charset=utf-8",
                 hooks_.metrics_text ? hooks_.metrics_text(pools) : std::string{}, 0};
    co_return co_await send(answer, request_id, keep_alive);
  }
  auto answer = error_reply({errc::invalid_request, "no route for " + std::string{target}});
  answer.status = 404;
  co_return co_await send(answer, request_id, keep_alive);
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
  response.keep_alive(keep_alive);
  response.body() = answer.body;
  response.prepare_payload();
  client_.expires_after(cfg_.idle_timeout);
  auto [ec, n] = co_await bhttp::async_write(client_, response, nothrow);
  co_return !ec && keep_alive;
}

} // namespace janus::http
