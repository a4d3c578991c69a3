#include "http/chat_proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdio>

#include "http/ask.hpp"
#include "http/error_response.hpp"
#include "http/request_metrics.hpp"
#include "http/request_summary.hpp"
#include "http/upstream_socket.hpp"
#include "logging/event.hpp"
#include "model/openai.hpp"

namespace janus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

std::chrono::milliseconds to_ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

bool is_timeout(const beast::error_code& ec) {
  return ec == beast::error::timeout;
}

void add_field(std::string& head, std::string_view name, std::string_view value) {
  head.append(name).append(": ").append(value).append("\r\n");
}

/// The framing of one piece of a chunked body: its size line and the CRLF after its data.
struct chunk_frame {
  std::array<char, 20> size_line{};
  std::size_t size_line_length = 0;

  explicit chunk_frame(std::size_t size) {
    auto n = std::snprintf(size_line.data(), size_line.size(), "%zx\r\n", size);
    size_line_length = static_cast<std::size_t>(n);
  }
  asio::const_buffer size_buffer() const {
    return {size_line.data(), size_line_length};
  }
};

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";

/// How long the end of a failed stream (its error frame, [DONE]) may take to write: it goes
/// after the deadline too, so it has its own short bound.
std::chrono::milliseconds error_write_limit(const server_config& cfg) {
  return std::min(std::chrono::milliseconds{cfg.stream_idle_timeout}, std::chrono::milliseconds{1000});
}

} // namespace

chat_proxy::chat_proxy(beast::tcp_stream& client, shard& home, const server_config& cfg,
                       broker& pools, std::string request_id, const trace_context& trace,
                       chat_request_info info, std::string body, bool client_keep_alive, request_metrics* metrics,
                       unsigned client_version)
  : client_(client),
    home_(home),
    cfg_(cfg),
    pools_(pools),
    request_id_(std::move(request_id)),
    trace_id_(trace.trace_id),
    span_id_(trace.span_id),
    info_(std::move(info)),
    client_keep_alive_(client_keep_alive),
    client_http10_(client_version < 11),
    deadline_(clock::now() + cfg.request_timeout),
    received_(clock::now()) {
  if (metrics != nullptr) {
    metrics_ = metrics->of(info_.model);
  }
  upstream_head_.reserve(384 + trace.tracestate().size());
  upstream_head_ = "POST /v1/chat/completions HTTP/1.1\r\n";
  add_field(upstream_head_, "Host", "127.0.0.1");
  add_field(upstream_head_, "Content-Type", "application/json");
  add_field(upstream_head_, "Accept", info_.stream ? "text/event-stream" : "application/json");
  add_field(upstream_head_, "x-request-id", request_id_);
  auto traceparent = trace.outgoing_traceparent();
  add_field(upstream_head_, "traceparent", {traceparent.data(), traceparent.size()});
  if (!trace.tracestate().empty()) {
    add_field(upstream_head_, "tracestate", trace.tracestate());
  }
  add_field(upstream_head_, "Content-Length", std::to_string(body.size()));
  upstream_head_ += crlf;
  upstream_body_ = std::move(body);
}

chat_proxy::~chat_proxy() {
  stop_watching_client();
}

// -- the request's course ------------------------------------------------------------------

asio::awaitable<bool> chat_proxy::run() {
  watch_client();
  std::string avoid;
  error_info last_error{errc::upstream_failed, "no attempt was made"};
  int resends = 0;
  while (true) {
    auto remaining = to_ms(deadline_ - clock::now());
    if (remaining <= std::chrono::milliseconds::zero()) {
      last_error = {errc::upstream_timeout,
                    "the request's deadline (request_timeout "
                      + std::to_string(cfg_.request_timeout.count())
                      + " ms) passed before a container answered"};
      break;
    }
    auto granted = co_await acquire(remaining, avoid);
    if (client_gone_) {
      if (granted) {
        note_lease(granted.value());
        pools_.release(granted.value(), lease_outcome::client_gone);
      }
      summarize(to_string(lease_outcome::client_gone), errc::none);
      co_return false;
    }
    if (!granted) {
      stop_watching_client();
      auto keep_alive = co_await write_error(granted.error());
      summarize(attempts_ == 0 ? "rejected" : to_string(lease_outcome::failed_before_first_byte),
                granted.error().code);
      co_return keep_alive;
    }
    const lease& held = granted.value();
    note_lease(held);
    lease_released_ = false;
    auto outcome = co_await attempt(held);
    release_once(held, outcome.release_as);
    switch (outcome.status) {
      case attempt_status::done:
        if (error_frame_) {
          summarize("error_frame", errc::upstream_failed);
        } else {
          summarize(to_string(lease_outcome::ok), errc::none);
        }
        co_return client_keep_alive_;
      case attempt_status::client_gone:
        summarize(to_string(lease_outcome::client_gone), errc::none);
        co_return false;
      case attempt_status::failed_mid_stream:
        summarize(outcome.error.code == errc::upstream_timeout
                    ? "timeout"
                    : to_string(lease_outcome::failed_mid_stream),
                  outcome.error.code);
        co_return false;
      case attempt_status::failed:
        last_error = std::move(outcome.error);
        break;
      case attempt_status::not_delivered:
        last_error = std::move(outcome.error);
        avoid = held.container_id;
        break;
    }
    if (outcome.status != attempt_status::not_delivered || resends >= cfg_.max_retries) {
      break;
    }
    ++resends;
    if (metrics_ != nullptr) {
      metrics_->count_retry();
    }
  }
  stop_watching_client();
  auto keep_alive = co_await write_error(last_error);
  summarize(last_error.code == errc::upstream_timeout
              ? "timeout"
              : to_string(lease_outcome::failed_before_first_byte),
            last_error.code);
  co_return keep_alive;
}

void chat_proxy::release_once(const lease& held, lease_outcome outcome) {
  if (!lease_released_) {
    lease_released_ = true;
    pools_.release(held, outcome);
  }
}

void chat_proxy::note_lease(const lease& held) {
  ++attempts_;
  if (metrics_ != nullptr) {
    metrics_->count_lease(held.kind, held.queue_time);
  }
  last_lease_.emplace(lease_facts{held.container_id, held.kind, held.queue_time, held.container_start});
}

void chat_proxy::summarize(std::string_view outcome, errc error) {
  request_summary summary;
  summary.request_id = request_id_;
  summary.trace_id = {trace_id_.data(), trace_id_.size()};
  summary.span_id = {span_id_.data(), span_id_.size()};
  summary.model = info_.model;
  summary.status = status_sent_ != 0 ? status_sent_ : 499;
  summary.outcome = outcome;
  summary.error = error;
  summary.attempts = attempts_;
  if (last_lease_) {
    summary.container = last_lease_->container;
    summary.start = last_lease_->kind;
    summary.queue_time = last_lease_->queue_time;
    summary.container_start = last_lease_->container_start;
  }
  if (first_token_at_) {
    summary.first_token = *first_token_at_ - received_;
  }
  summary.total = clock::now() - received_;
  report(summary, metrics_.get());
}

asio::awaitable<result<lease>> chat_proxy::acquire(std::chrono::milliseconds timeout,
                                                   std::string avoid) {
  acquire_request request{info_.model, request_id_, timeout, std::move(avoid), nullptr};
  if (auto granted = pools_.try_acquire(request)) {
    co_return std::move(*granted);
  }
  // It may wait in the pool: a client that goes meanwhile withdraws it (on_client_gone).
  request.cancelled = std::make_shared<std::atomic<bool>>(false);
  waiting_.emplace(acquire_request{info_.model, {}, {}, {}, request.cancelled});
  auto answer = co_await ask<result<lease>>([this, &request](auto done) {
    pools_.acquire(std::move(request), std::move(done));
  });
  waiting_.reset();
  co_return answer;
}

std::chrono::milliseconds chat_proxy::within_deadline(std::chrono::milliseconds limit) const {
  return std::max(std::min(limit, to_ms(deadline_ - clock::now())), std::chrono::milliseconds{1});
}

std::string chat_proxy::timeout_message(const lease& held, std::chrono::milliseconds limit,
                                        std::chrono::milliseconds used,
                                        std::string_view limit_name,
                                        std::string_view waiting_for) const {
  if (used < limit) {
    return "container " + held.container_id + " " + std::string{waiting_for}
           + " by the request's deadline (request_timeout "
           + std::to_string(cfg_.request_timeout.count()) + " ms)";
  }
  return "container " + held.container_id + " " + std::string{waiting_for} + " within "
         + std::to_string(limit.count()) + " ms (" + std::string{limit_name} + ")";
}

asio::awaitable<chat_proxy::attempt_result> chat_proxy::attempt(const lease& held) {
  auto head = co_await exchange_head(held);
  if (head.status != attempt_status::done) {
    upstream_.reset();
    co_return head;
  }
  auto relayed = co_await relay(held);
  upstream_.reset();
  co_return relayed;
}

namespace {

/// A connect failure that is janusd's own trouble, not the container's: it must not count
/// against the container.
bool is_own_trouble(const beast::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space
         || ec == asio::error::no_memory || ec == beast::errc::too_many_files_open_in_system;
}

} // namespace

asio::awaitable<chat_proxy::attempt_result> chat_proxy::exchange_head(const lease& held) {
  boost::system::error_code address_error;
  auto address = asio::ip::make_address(held.target.host, address_error);
  if (address_error) {
    co_return attempt_result{attempt_status::not_delivered,
                             {errc::upstream_failed, "bad container address " + held.target.host},
                             lease_outcome::failed_before_first_byte};
  }
  tcp::endpoint target{address, held.target.port};
  auto io_timeout = std::chrono::milliseconds{cfg_.upstream_timeout};
  auto first_byte_timeout = held.first_byte_timeout > std::chrono::milliseconds::zero()
                              ? held.first_byte_timeout
                              : std::chrono::milliseconds{cfg_.upstream_timeout};

  // A pooled connection comes back only when it is still open (upstream_pool::take() looks):
  // one the container closed while idle is dropped unused, and a new one is opened.
  upstream_.reset();
  if (auto pooled = home_.upstreams().take(held.container_id)) {
    upstream_.emplace(std::move(*pooled));
  }
  beast::error_code ec;
  if (!upstream_) {
    auto limit = within_deadline(io_timeout);
    ec = co_await open_upstream(held.target, target, limit);
    if (client_gone_) {
      co_return attempt_result{attempt_status::client_gone, {}, lease_outcome::client_gone};
    }
    if (is_timeout(ec)) {
      co_return attempt_result{attempt_status::failed,
                               {errc::upstream_timeout,
                                timeout_message(held, io_timeout, limit, "upstream_timeout",
                                                "took no connection")},
                               lease_outcome::timed_out};
    }
    if (ec) {
      // Nothing was sent: safe to send elsewhere. Nothing listens there, unless janusd itself
      // could not make the connection.
      co_return attempt_result{attempt_status::not_delivered,
                               {errc::upstream_failed, "cannot connect to container "
                                  + held.container_id + " at 127.0.0.1:"
                                  + std::to_string(held.target.port) + ": " + ec.message()},
                               is_own_trouble(ec) ? lease_outcome::failed_before_first_byte
                                                  : lease_outcome::refused};
    }
  }

  auto write_limit = within_deadline(io_timeout);
  upstream_->expires_after(write_limit);
  std::size_t n = 0;
  std::array<asio::const_buffer, 2> request{asio::buffer(upstream_head_), asio::buffer(upstream_body_)};
  std::tie(ec, n) = co_await asio::async_write(*upstream_, request, nothrow);
  if (client_gone_) {
    co_return attempt_result{attempt_status::client_gone, {}, lease_outcome::client_gone};
  }
  if (is_timeout(ec)) {
    co_return attempt_result{attempt_status::failed,
                             {errc::upstream_timeout,
                              timeout_message(held, io_timeout, write_limit, "upstream_timeout",
                                              "did not take the request")},
                             lease_outcome::timed_out};
  }
  if (ec) {
    // The request was not written in full: the container cannot have acted on it.
    co_return attempt_result{attempt_status::not_delivered,
                             {errc::upstream_failed, "container " + held.container_id
                                + " closed the connection before the request was written: "
                                + ec.message()},
                             lease_outcome::failed_before_first_byte};
  }

  // From here on the container has the request: nothing is sent again.
  auto head_limit = within_deadline(first_byte_timeout);
  upstream_->expires_after(head_limit);
  upstream_buffer_.clear();
  parser_.emplace();
  parser_->body_limit(boost::none);
  std::tie(ec, n) = co_await bhttp::async_read_header(*upstream_, upstream_buffer_, *parser_, nothrow);
  if (client_gone_) {
    co_return attempt_result{attempt_status::client_gone, {}, lease_outcome::client_gone};
  }
  if (is_timeout(ec)) {
    co_return attempt_result{attempt_status::failed,
                             {errc::upstream_timeout,
                              timeout_message(held, first_byte_timeout, head_limit, "first_byte_timeout",
                                              "did not answer")},
                             lease_outcome::timed_out};
  }
  if (ec) {
    co_return attempt_result{attempt_status::failed,
                             {errc::upstream_failed, "container " + held.container_id
                                + " failed before answering: " + ec.message()},
                             lease_outcome::failed_before_first_byte};
  }
  co_return attempt_result{};
}

asio::awaitable<beast::error_code> chat_proxy::open_upstream(const endpoint& where,
                                                             tcp::endpoint peer,
                                                             std::chrono::milliseconds timeout) {
  auto made = co_await upstream_socket(where);
  if (!made) {
    logging::event{"cannot make a socket for an upstream connection"}
      .field("detail", made.error().message)
      .debug();
    co_return made.error().code == errc::shutting_down ? asio::error::operation_aborted
                                                       : asio::error::connection_refused;
  }
  upstream_.emplace(std::move(made.value()));
  upstream_->expires_after(timeout);
  boost::system::error_code ec;
  std::tie(ec) = co_await upstream_->async_connect(peer, nothrow);
  if (!ec) {
    upstream_->socket().set_option(tcp::no_delay{true}, ec);
  }
  co_return ec;
}

asio::awaitable<chat_proxy::attempt_result> chat_proxy::relay(const lease& held) {
  auto& upstream_head = parser_->get();
  status_sent_ = upstream_head.result_int();
  // Our response head, written by hand: the container's status, type and caching, our own
  // fields, and the body's framing (its length when the container sent one, chunked otherwise).
  std::string head;
  head.reserve(384);
  head.append("HTTP/1.1 ").append(std::to_string(status_sent_)).append(" ");
  head.append(bhttp::obsolete_reason(upstream_head.result())).append(crlf);
  if (auto type = upstream_head.find(bhttp::field::content_type); type != upstream_head.end()) {
    add_field(head, "Content-Type", type->value());
  }
  if (auto cache = upstream_head.find(bhttp::field::cache_control); cache != upstream_head.end()) {
    add_field(head, "Cache-Control", cache->value());
  }
  add_field(head, "x-request-id", request_id_);
  add_field(head, "x-janus-start", to_string(held.kind));
  add_field(head, "x-janus-queue-ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(held.queue_time).count()));
  add_field(head, "x-janus-container", held.container_id);
  bool chunked = true;
  auto length = parser_->content_length();
  if (length && !parser_->chunked()) {
    chunked = false;
  } else if (client_http10_) {
    // HTTP/1.0 knows no chunked coding: the body goes raw and its end is the connection's.
    client_keep_alive_ = false;
  }
  if (!client_keep_alive_) {
    add_field(head, "Connection", "close");
  } else if (client_http10_) {
    add_field(head, "Connection", "keep-alive");
  }
  if (!chunked) {
    add_field(head, "Content-Length", std::to_string(*length));
  } else if (!client_http10_) {
    add_field(head, "Transfer-Encoding", "chunked");
  }
  head += crlf;
  // A body without a length is chunked towards an HTTP/1.1 client, close-delimited otherwise.
  chunked = chunked && !client_http10_;
  bool is_stream = upstream_head.result() == bhttp::status::ok
                   && std::string_view{upstream_head[bhttp::field::content_type]}.starts_with("text/event-stream");
  const attempt_result client_left{attempt_status::client_gone, {}, lease_outcome::client_gone};
  // Whatever the upstream sent with its header is relayed with ours in one write; when nothing
  // came yet, a stream's header goes at once, so the client sees the status before the first
  // token. A whole answer's header waits for its body: until then a failure can still be
  // answered with its own status (504 at the deadline).
  bool head_sent = false;
  if (is_stream && upstream_buffer_.size() == 0) {
    client_.expires_after(within_deadline(cfg_.stream_idle_timeout));
    auto [header_ec, header_n] = co_await asio::async_write(client_, asio::buffer(head), nothrow);
    response_started_ = true;
    head_sent = true;
    if (header_ec) {
      co_return client_left;
    }
  }

  auto read_limit = cfg_.stream_idle_timeout;
  while (true) {
    beast::error_code ec;
    std::size_t got = 0;
    if (!parser_->is_done()) {
      upstream_head.body().data = relay_buffer_.data();
      upstream_head.body().size = relay_buffer_.size();
      read_limit = within_deadline(cfg_.stream_idle_timeout);
      upstream_->expires_after(read_limit);
      std::size_t n = 0;
      std::tie(ec, n) = co_await bhttp::async_read_some(*upstream_, upstream_buffer_, *parser_, nothrow);
      if (ec == bhttp::error::need_buffer) {
        ec = {};
      }
      if (client_gone_) {
        co_return client_left;
      }
      got = relay_buffer_.size() - upstream_head.body().size;
    }
    bool done = !ec && parser_->is_done();
    if (got > 0 || done) {
      if (is_stream && got > 0) {
        scanner_.feed(std::string_view{relay_buffer_.data(), got});
        if (!first_token_at_ && scanner_.data_frames() > 0) {
          first_token_at_ = clock::now();
        }
      }
      if (done) {
        error_frame_ = is_stream && scanner_.saw_error();
        // Nothing more will be written to the client: a pipelined next request may come in now.
        stop_watching_client();
        // The container has answered in full: its slot is free before the client has read the
        // last bytes, so the client's next request can not find it still taken.
        release_once(held, lease_outcome::ok);
      }
      // One write: our head when not sent yet, the piece (framed when chunked), and the last
      // chunk when the answer is complete.
      chunk_frame frame{got};
      std::array<asio::const_buffer, 5> out{};
      std::size_t used = 0;
      if (!head_sent) {
        out[used++] = asio::buffer(head);
      }
      if (got > 0) {
        if (chunked) {
          out[used++] = frame.size_buffer();
        }
        out[used++] = asio::buffer(relay_buffer_.data(), got);
        if (chunked) {
          out[used++] = asio::buffer(crlf);
        }
      }
      if (done && chunked) {
        out[used++] = asio::buffer(last_chunk);
      }
      // A client that does not take the answer holds the slot no longer than the deadline.
      client_.expires_after(within_deadline(cfg_.stream_idle_timeout));
      auto [wec, wn] = co_await asio::async_write(client_, out, nothrow);
      response_started_ = true;
      head_sent = true;
      if (wec) {
        co_return client_left;
      }
    }
    if (done) {
      break;
    }
    if (ec) {
      bool timed_out = is_timeout(ec);
      error_info failure{timed_out ? errc::upstream_timeout : errc::upstream_failed,
                         timed_out ? timeout_message(held, cfg_.stream_idle_timeout, read_limit,
                                                     "stream_idle_timeout",
                                                     "sent no more of its answer")
                                   : "container " + held.container_id
                                       + " failed mid-answer: " + ec.message()};
      auto release_as = timed_out ? lease_outcome::timed_out : lease_outcome::failed_mid_stream;
      // The upstream is closed and the slot given back now, before the client hears of it.
      upstream_.reset();
      release_once(held, release_as);
      if (!head_sent && !is_stream) {
        // Nothing of the answer reached the client: it gets the error's own status.
        co_return attempt_result{attempt_status::failed, std::move(failure), release_as};
      }
      if (is_stream) {
        if (!head_sent) {
          client_.expires_after(error_write_limit(cfg_));
          co_await asio::async_write(client_, asio::buffer(head), nothrow);
        }
        co_await end_stream_with_error(failure);
      }
      co_return attempt_result{attempt_status::failed_mid_stream, std::move(failure), release_as};
    }
  }

  // Bytes after the answer are an answer nobody asked for: such a connection is not reused.
  if (parser_->keep_alive() && upstream_buffer_.size() == 0) {
    home_.upstreams().give_back(held.container_id, std::move(*upstream_));
  }
  co_return attempt_result{};
}

asio::awaitable<void> chat_proxy::end_stream_with_error(const error_info& error) {
  auto rendered = make_error_response(error);
  std::string tail;
  if (!scanner_.at_frame_boundary()) {
    tail += "\n\n";
  }
  tail += "data: " + rendered.body + "\n\n";
  tail += "data: [DONE]\n\n";
  client_.expires_after(error_write_limit(cfg_));
  if (client_http10_) {
    // Close-delimited towards HTTP/1.0: the raw frames, then the connection ends.
    co_await asio::async_write(client_, asio::buffer(tail), nothrow);
    co_return;
  }
  // The response is chunked (a stream has no length): one chunk, then the last chunk.
  chunk_frame frame{tail.size()};
  std::string framed{static_cast<const char*>(frame.size_buffer().data()), frame.size_buffer().size()};
  framed += tail;
  framed += crlf;
  framed += last_chunk;
  co_await asio::async_write(client_, asio::buffer(framed), nothrow);
}

asio::awaitable<bool> chat_proxy::write_error(const error_info& error) {
  auto rendered = make_error_response(error);
  status_sent_ = static_cast<unsigned>(rendered.status);
  bhttp::response<bhttp::string_body> response{rendered.status, 11};
  response.set(bhttp::field::content_type, "application/json");
  response.set("x-request-id", request_id_);
  if (rendered.retry_after > 0) {
    response.set(bhttp::field::retry_after, std::to_string(rendered.retry_after));
  }
  response.keep_alive(client_keep_alive_);
  if (client_keep_alive_ && client_http10_) {
    response.set(bhttp::field::connection, "keep-alive");
  }
  response.body() = std::move(rendered.body);
  response.prepare_payload();
  client_.expires_after(cfg_.stream_idle_timeout);
  auto [ec, n] = co_await bhttp::async_write(client_, response, nothrow);
  co_return !ec && client_keep_alive_;
}

// -- client watch --------------------------------------------------------------------------

void chat_proxy::watch_client() {
  watch_ = std::make_shared<client_watch>(client_watch{this});
  client_.socket().async_wait(tcp::socket::wait_read, [watch = watch_](beast::error_code ec) {
    auto* self = watch->owner;
    if (self == nullptr || ec == asio::error::operation_aborted) {
      return;
    }
    watch->owner = nullptr;
    char byte;
    auto n = ::recv(self->client_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (ec || n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
      self->on_client_gone();
    }
    // Otherwise bytes of a pipelined next request: left for the session; no more watching.
  });
}

void chat_proxy::stop_watching_client() {
  if (watch_ && watch_->owner != nullptr) {
    watch_->owner = nullptr;
    beast::error_code ignored;
    client_.socket().cancel(ignored);
  }
  watch_.reset();
}

void chat_proxy::on_client_gone() {
  client_gone_ = true;
  if (upstream_) {
    beast::error_code ignored;
    upstream_->socket().close(ignored);
  }
  if (waiting_) {
    // Its place in the queue is free at once; the pending acquire is answered (cancelled).
    pools_.cancel(*waiting_);
  }
}

} // namespace janus::http
