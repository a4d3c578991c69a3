#include "http/platform_proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <type_traits>

#include "http/error_response.hpp"
#include "http/platform_context.hpp"
#include "http/platform_deadline.hpp"
#include "http/platform_io.hpp"
#include "http/write_now.hpp"
#include "http/platform_replies.hpp"
#include "http/platform_shared.hpp"
#include "http/sse_scanner.hpp"
#include "http/upstream_connect.hpp"

namespace janus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";
constexpr std::uint32_t upstream_header_limit = 64 * 1024;
/// How long janusd's own error answer (or a stream's error end) may take to write.
constexpr auto error_write_limit = std::chrono::seconds(10);

/// Fields that belong to one hop, or that janusd sets itself: never passed on either way.
bool is_hop_field(std::string_view name) {
  static constexpr std::string_view hop[] = {
    "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
    "upgrade", "content-length", "host", "authorization", "proxy-authorization", "expect",
    "x-request-id", "proxy-authenticate"};
  for (auto h : hop) {
    if (beast::iequals(name, h)) {
      return true;
    }
  }
  return false;
}

void add_field(std::string& head, std::string_view name, std::string_view value) {
  head.append(name).append(": ").append(value).append(crlf);
}

/// The size line of one chunk.
std::string chunk_size_line(std::size_t size) {
  char text[24];
  auto n = std::snprintf(text, sizeof(text), "%zx\r\n", size);
  return std::string{text, static_cast<std::size_t>(n)};
}

/// True for a `text/event-stream` content type, parameters or not, in any case.
bool is_event_stream(std::string_view content_type) {
  constexpr std::string_view sse = "text/event-stream";
  return content_type.size() >= sse.size() && beast::iequals(content_type.substr(0, sse.size()), sse);
}

/// The end of an event stream whose upstream failed mid-answer: the frame in progress closed, an
/// error frame, `data: [DONE]` (unless the upstream had sent it), the last chunk.
std::string event_stream_tail(const sse_scanner& scanner, const error_info& failure) {
  auto events = scanner.saw_done() ? std::string{}
                                    : error_end_of_stream(scanner, make_error_response(failure).body);
  std::string tail = events.empty() ? std::string{} : chunk_size_line(events.size());
  tail.append(events).append(events.empty() ? "" : crlf).append(last_chunk);
  return tail;
}

} // namespace

platform_proxy::platform_proxy(beast::tcp_stream& client, platform_deadline& deadline,
                               platform_context& home, const platform_target& target,
                               std::size_t route, request_type& request,
                               std::string upstream_path, std::string request_id,
                               const trace_context& trace, bool keep_alive)
  : client_(client),
    watch_(deadline),
    home_(home),
    target_(target),
    route_(route),
    request_(request),
    request_id_(std::move(request_id)),
    keep_alive_(keep_alive),
    deadline_(clock::now() + target.config.timeout) {
  const auto& upstream = *target_.upstream;
  head_.reserve(512);
  head_.append(request_.method_string()).append(" ").append(upstream_path).append(" HTTP/1.1\r\n");
  add_field(head_, "Host", upstream.authority);
  for (const auto& field : request_) {
    auto name = field.name_string();
    if (is_hop_field(name) || beast::iequals(name, "traceparent")
        || beast::iequals(name, "tracestate")) {
      continue;
    }
    bool injected = false;
    for (const auto& header : target_.config.headers) {
      injected = injected || beast::iequals(name, header.name);
    }
    if (!injected) {
      add_field(head_, name, field.value());
    }
  }
  for (const auto& header : target_.config.headers) {
    add_field(head_, header.name, header.value);
  }
  if (!request_id_.empty()) {
    add_field(head_, "x-request-id", request_id_);
  }
  auto traceparent = trace.outgoing_traceparent();
  add_field(head_, "traceparent", {traceparent.data(), traceparent.size()});
  if (!trace.tracestate().empty()) {
    add_field(head_, "tracestate", trace.tracestate());
  }
  auto method = request_.method();
  if (!request_.body().empty() || method == bhttp::verb::post || method == bhttp::verb::put
      || method == bhttp::verb::patch) {
    add_field(head_, "Content-Length", std::to_string(request_.body().size()));
  }
  head_ += crlf;
}

std::string platform_proxy::upstream_name() const {
  return http::upstream_name(*target_.upstream);
}

asio::awaitable<proxy_outcome> platform_proxy::run() {
  watch_.calling(deadline_, error_write_limit);
  auto outcome = co_await forward();
  watch_.none();
  co_return outcome;
}

asio::awaitable<proxy_outcome> platform_proxy::forward() {
  std::unique_ptr<upstream_link> link = home_.take_idle(route_);
  bool reused = link != nullptr;
  // The deadline closes the link it watches: never one that is gone or back in the pool.
  struct unwatch {
    platform_deadline& watch;
    ~unwatch() {
      watch.attach(nullptr);
    }
  } unwatch_link{watch_};
  while (true) {
    if (!link) {
      link = std::make_unique<upstream_link>();
      if (auto failed = co_await open_link(*link)) {
        co_return co_await fail(*failed);
      }
    }
    // The reads and writes of the call go without the stream's own timers: the deadline
    // watches the link (a TLS stream still reads and writes through the tcp_stream).
    link->tcp().expires_never();
    watch_.attach(&link->tcp());
    beast::error_code ec;
    if (link->secure) {
      ec = co_await exchange(*link->secure);
    } else {
      ec = co_await exchange(link->plain->socket());
    }
    if (!ec) {
      break;
    }
    if (reused && !is_upstream_timeout(ec) && clock::now() < deadline_) {
      // An idle connection the upstream had closed meanwhile: once more on a fresh one.
      watch_.attach(nullptr);
      link.reset();
      reused = false;
      continue;
    }
    // Named first: GCC 12 must not see a braced temporary inside a co_await expression.
    error_info failure{errc::upstream_failed,
                       upstream_name() + " failed before answering: " + ec.message()};
    if (is_upstream_timeout(ec)) {
      failure = {errc::upstream_timeout, upstream_name()
                                           + " did not answer within the route's timeout ("
                                           + std::to_string(target_.config.timeout.count())
                                           + " ms)"};
    }
    co_return co_await fail(failure);
  }
  if (link->secure) {
    co_return co_await relay(*link->secure, link);
  }
  co_return co_await relay(link->plain->socket(), link);
}

asio::awaitable<std::optional<error_info>> platform_proxy::open_link(upstream_link& link) {
  upstream_peer peer{*target_.upstream, target_.tls.get(), target_.trust};
  co_return co_await open_upstream_link(home_.io().get_executor(), peer, deadline_, link);
}

template <class Stream>
asio::awaitable<beast::error_code> platform_proxy::exchange(Stream& upstream) {
  std::array<asio::const_buffer, 2> out{asio::buffer(head_), asio::buffer(request_.body())};
  beast::error_code write_ec;
  if constexpr (std::is_same_v<Stream, tcp::socket>) {
    auto [plain_ec, written] = co_await write_now(upstream, out);
    write_ec = plain_ec;
  } else {
    auto [tls_ec, written] = co_await asio::async_write(upstream, out, nothrow);
    write_ec = tls_ec;
  }
  if (write_ec) {
    co_return watch_.reason(write_ec);
  }
  upstream_buffer_.clear();
  parser_.emplace();
  parser_->header_limit(upstream_header_limit);
  parser_->body_limit(boost::none);
  if (request_.method() == bhttp::verb::head) {
    parser_->skip(true);
  }
  beast::error_code read_ec;
  if constexpr (std::is_same_v<Stream, tcp::socket>) {
    read_ec = co_await read_now(upstream, upstream_buffer_, *parser_, true);
  } else {
    auto [tls_ec, n] = co_await bhttp::async_read_header(upstream, upstream_buffer_, *parser_,
                                                         nothrow);
    read_ec = tls_ec;
  }
  co_return watch_.reason(read_ec);
}

template <class Stream>
asio::awaitable<proxy_outcome> platform_proxy::relay(Stream& upstream,
                                                     std::unique_ptr<upstream_link>& link) {
  proxy_outcome outcome;
  auto& answer = parser_->get();
  outcome.status = answer.result_int();
  std::string head;
  head.reserve(512);
  head.append("HTTP/1.1 ").append(std::to_string(outcome.status)).append(" ");
  head.append(bhttp::obsolete_reason(answer.result())).append(crlf);
  for (const auto& field : answer) {
    if (!is_hop_field(field.name_string())) {
      add_field(head, field.name_string(), field.value());
    }
  }
  if (!request_id_.empty()) {
    add_field(head, "x-request-id", request_id_);
  }
  if (!keep_alive_) {
    add_field(head, "Connection", "close");
  }
  auto code = outcome.status;
  bool bodiless = request_.method() == bhttp::verb::head || code / 100 == 1 || code == 204
                  || code == 304;
  bool chunked = false;
  if (auto length = parser_->content_length(); length && !parser_->chunked()) {
    add_field(head, "Content-Length", std::to_string(*length));
  } else if (!bodiless) {
    add_field(head, "Transfer-Encoding", "chunked");
    chunked = true;
  }
  head += crlf;
  // An event stream (the LLM route's SSE) that its upstream cuts ends as the main path ends one:
  // with an error frame and [DONE] in a complete chunked answer, so the model's client library
  // reports an error instead of a cut connection or, worse, a short answer taken as whole.
  bool event_stream = chunked && is_event_stream(answer[bhttp::field::content_type]);
  sse_scanner scanner;
  // When nothing of the body came with the upstream's header, ours goes at once, so the
  // container sees the status before the first token; otherwise it goes with the first piece,
  // in one write.
  bool head_sent = false;
  if (upstream_buffer_.size() == 0 || bodiless) {
    auto [head_ec, head_n] = co_await write_now(client_.socket(), asio::buffer(head));
    if (head_ec) {
      outcome.detail = "the container left: " + watch_.reason(head_ec).message();
      co_return outcome;
    }
    head_sent = true;
  }
  std::string size_line;
  while (!parser_->is_done()) {
    answer.body().data = relay_buffer_.data();
    answer.body().size = relay_buffer_.size();
    beast::error_code read_ec;
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      read_ec = co_await read_now(upstream, upstream_buffer_, *parser_, false);
    } else {
      auto [tls_ec, n] = co_await bhttp::async_read_some(upstream, upstream_buffer_, *parser_,
                                                         nothrow);
      read_ec = tls_ec;
    }
    auto ec = watch_.reason(read_ec);
    if (ec == bhttp::error::need_buffer) {
      ec = {};
    }
    auto got = relay_buffer_.size() - answer.body().size;
    bool done = !ec && parser_->is_done();
    if (got > 0 || (done && chunked) || (!head_sent && (done || ec))) {
      std::array<asio::const_buffer, 5> out{};
      std::size_t used = 0;
      if (!head_sent) {
        out[used++] = asio::buffer(head);
        head_sent = true;
      }
      if (got > 0) {
        if (chunked) {
          size_line = chunk_size_line(got);
          out[used++] = asio::buffer(size_line);
        }
        out[used++] = asio::buffer(relay_buffer_.data(), got);
        if (event_stream) {
          scanner.feed({relay_buffer_.data(), got});
        }
        if (chunked) {
          out[used++] = asio::buffer(crlf);
        }
      }
      if (done && chunked) {
        out[used++] = asio::buffer(last_chunk);
      }
      auto [wec, wn] = co_await write_now(client_.socket(), std::span{out.data(), used});
      outcome.response_bytes += got;
      if (wec) {
        outcome.detail = "the container left mid-answer: " + watch_.reason(wec).message();
        co_return outcome;
      }
    }
    if (ec) {
      // Mid-answer: the container sees the connection end without the answer's end, or, for an
      // event stream, the stream's error frame and end; the connection closes either way.
      outcome.detail = upstream_name() + " failed mid-answer: "
                       + (is_upstream_timeout(ec) ? std::string{"the route's timeout passed"}
                                                  : ec.message());
      if (event_stream) {
        auto tail = event_stream_tail(
          scanner, {is_upstream_timeout(ec) ? errc::upstream_timeout : errc::upstream_failed,
                    "the platform route's upstream failed mid-answer"});
        client_.expires_after(error_write_limit);
        co_await asio::async_write(client_, asio::buffer(tail), nothrow);
      }
      co_return outcome;
    }
  }
  if (!head_sent) {
    auto [head_ec, head_n] = co_await write_now(client_.socket(), asio::buffer(head));
    if (head_ec) {
      outcome.detail = "the container left: " + watch_.reason(head_ec).message();
      co_return outcome;
    }
  }
  if (parser_->keep_alive() && upstream_buffer_.size() == 0) {
    watch_.attach(nullptr);
    home_.give_back(route_, std::move(link));
  }
  outcome.keep_alive = keep_alive_;
  co_return outcome;
}

asio::awaitable<proxy_outcome> platform_proxy::fail(const error_info& error) {
  proxy_outcome outcome;
  outcome.status = status_of(error);
  outcome.detail = error.message;
  outcome.keep_alive = co_await write_platform_error(client_, error, request_id_, keep_alive_,
                                                     error_write_limit);
  co_return outcome;
}

} // namespace janus::http
