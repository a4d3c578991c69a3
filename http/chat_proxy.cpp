#include "http/chat_proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <span>

#include "http/ask.hpp"
#include "http/error_response.hpp"
#include "http/fallback_target.hpp"
#include "http/upstream_connect.hpp"
#include "http/request_metrics.hpp"
#include "http/request_summary.hpp"
#include "http/upstream_socket.hpp"
#include "http/write_now.hpp"
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

/// Appends `name: value` and its CRLF in one growth of `head` (a dozen times per request: four
/// appends each were the warm path's largest own cost in a callgrind count).
void add_field(std::string& head, std::string_view name, std::string_view value) {
  auto at = head.size();
  head.resize(at + name.size() + value.size() + 4);
  auto* out = std::copy(name.begin(), name.end(), head.data() + at);
  *out++ = ':';
  *out++ = ' ';
  out = std::copy(value.begin(), value.end(), out);
  *out++ = '\r';
  *out = '\n';
}

/// The framing of one piece of a chunked body: its size line and the CRLF after its data.
struct chunk_frame {
  std::array<char, 20> size_line{};
  std::size_t size_line_length = 0;

  explicit chunk_frame(std::size_t size) {
    // to_chars, not snprintf: this runs for every piece relayed, and printf's format parsing
    // showed in the profile.
    auto end = std::to_chars(size_line.data(), size_line.data() + size_line.size() - 2, size, 16).ptr;
    *end++ = '\r';
    *end++ = '\n';
    size_line_length = static_cast<std::size_t>(end - size_line.data());
  }
  asio::const_buffer size_buffer() const {
    return {size_line.data(), size_line_length};
  }
};

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";

/// `data` as one chunk of a chunked body.
std::string chunked_piece(std::string_view data) {
  chunk_frame frame{data.size()};
  std::string out{static_cast<const char*>(frame.size_buffer().data()), frame.size_buffer().size()};
  out.append(data).append(crlf);
  return out;
}

/// The largest response head a fallback upstream may send (a container's:
/// response_reader::default_head_limit, 8 KiB).
constexpr std::size_t fallback_header_limit = 64 * 1024;

/// What the first read of a container's answer may bring: its head and, for most answers, all of
/// the body (the buffer is allocated once per attempt either way).
constexpr std::size_t first_upstream_read_bytes = 8 * 1024;

/// The most of a container's non-stream answer kept to end an early-headed stream with.
constexpr std::size_t max_error_body_bytes = 64 * 1024;

/// How long the end of a failed stream (its error frame, [DONE]) may take to write: it goes
/// after the deadline too, so it has its own short bound.
std::chrono::milliseconds error_write_limit(const server_config& cfg) {
  return std::min(std::chrono::milliseconds{cfg.stream_idle_timeout}, std::chrono::milliseconds{1000});
}

} // namespace

chat_proxy::chat_proxy(beast::tcp_stream& client, socket_deadline& deadline, shard& home,
                       const server_config& cfg, broker& pools, std::string request_id,
                       const trace_context& trace, chat_request_info info, std::string body,
                       bool client_keep_alive, request_metrics* metrics, unsigned client_version)
  : client_(client),
    deadline_io_(deadline),
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
    received_(clock::now()),
    relay_buffer_(home.relays().take()) {
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
  fallback_ = pools_.fallback_of(info_.model);
}

chat_proxy::~chat_proxy() {
  stop_watching_client();
  if (fallback_taken_) {
    fallback_->give_back();
  }
}

// -- the request's course ------------------------------------------------------------------

asio::awaitable<bool> chat_proxy::run() {
  auto kept = co_await serve();
  // Every path ends here: the heartbeat never outlives the request.
  if (heartbeat_) {
    co_await stop_heartbeat();
  }
  co_return kept;
}

asio::awaitable<bool> chat_proxy::serve() {
  // This frame is allocated for every request: its named locals are kept few and small, and the
  // paths that need more (an error answer, the fallback) are coroutines of their own, so that
  // Asio recycles the frame (bench/README.md, "Coroutine frames").
  if (cfg_.client_watch_after > std::chrono::milliseconds::zero()) {
    // A peek pending on the client socket costs two system calls and a scheduler round per
    // request; most requests are answered before this delay, so they never arm one.
    home_.client_watches().add(watch_job_, received_);
  } else {
    watch_client();
  }
  if (fallback_ && fallback_->config.always) {
    // An upstream-only model: no pool to ask, every request goes to its upstream.
    co_return co_await serve_upstream_only();
  }
  std::string avoid;
  error_info last_error{errc::upstream_failed, "no attempt was made"};
  /// The container whose attempt ended with last_error (its `x-janus-container`); empty: none.
  std::string failed_on;
  int resends = 0;
  while (true) {
    auto remaining = to_ms(deadline_ - clock::now());
    if (remaining <= std::chrono::milliseconds::zero()) {
      last_error = {errc::upstream_timeout,
                    "the request's deadline (request_timeout "
                      + std::to_string(cfg_.request_timeout.count())
                      + " ms) passed before a container answered"};
      failed_on.clear();
      break;
    }
    auto granted = try_lease(remaining, avoid);
    if (!granted) {
      co_await wait_for_lease(remaining, avoid, granted);
    }
    if (client_gone_) {
      if (*granted) {
        note_lease(granted->value());
        pools_.release(granted->value(), lease_outcome::client_gone);
      }
      summarize(to_string(lease_outcome::client_gone), errc::none);
      co_return false;
    }
    if (!*granted) {
      co_return co_await answer_no_lease(granted->error());
    }
    const lease& held = granted->value();
    note_lease(held);
    lease_released_ = false;
    auto outcome = co_await attempt(held);
    release_once(held, outcome.release_as);
    if (auto kept = ended(outcome)) {
      co_return *kept;
    }
    switch (outcome.status) {
      case attempt_status::failed:
        last_error = std::move(outcome.error);
        failed_on = last_error.code == errc::engine_overloaded ? std::string{} : held.container_id;
        break;
      case attempt_status::not_delivered:
        last_error = std::move(outcome.error);
        failed_on = held.container_id;
        avoid = held.container_id;
        break;
      default:
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
  co_return co_await answer_failure(last_error, failed_on);
}

asio::awaitable<bool> chat_proxy::serve_upstream_only() {
  std::optional<error_info> none;
  co_return co_await serve_fallback(std::move(none), "upstream");
}

asio::awaitable<bool> chat_proxy::answer_no_lease(const error_info& refused) {
  auto reason = fallback_reason_of(refused, false);
  if (reason && fallback_ && fallback_->config.falls_back_on(*reason)) {
    // Named first: GCC 12 must not see a temporary inside a co_await expression.
    std::optional<error_info> original{refused};
    co_return co_await serve_fallback(std::move(original), to_string(*reason));
  }
  const std::string no_container;
  auto keep_alive = co_await answer_error(refused, no_container);
  summarize(attempts_ == 0 ? "rejected" : to_string(lease_outcome::failed_before_first_byte),
            refused.code);
  co_return keep_alive;
}

asio::awaitable<bool> chat_proxy::answer_failure(error_info& last_error,
                                                 const std::string& failed_on) {
  if (auto reason = fallback_reason_of(last_error, attempts_ > 0);
      reason && fallback_ && fallback_->config.falls_back_on(*reason)) {
    std::optional<error_info> original{std::move(last_error)};
    co_return co_await serve_fallback(std::move(original), to_string(*reason));
  }
  auto keep_alive = co_await answer_error(last_error, failed_on);
  summarize(last_error.code == errc::upstream_timeout   ? "timeout"
            : last_error.code == errc::engine_overloaded ? "rejected"
                                                         : to_string(lease_outcome::failed_before_first_byte),
            last_error.code);
  co_return keep_alive;
}

std::optional<bool> chat_proxy::ended(const attempt_result& outcome) {
  switch (outcome.status) {
    case attempt_status::done:
      summarize(error_frame_ ? "error_frame" : to_string(lease_outcome::ok),
                error_frame_ ? errc::upstream_failed : errc::none);
      return client_keep_alive_;
    case attempt_status::client_gone:
      summarize(to_string(lease_outcome::client_gone), errc::none);
      return false;
    case attempt_status::failed_mid_stream:
      summarize(outcome.error.code == errc::upstream_timeout
                  ? "timeout"
                  : to_string(lease_outcome::failed_mid_stream),
                outcome.error.code);
      return false;
    case attempt_status::failed:
    case attempt_status::not_delivered:
      break;
  }
  return std::nullopt;
}

void chat_proxy::release_once(const lease& held, lease_outcome outcome) {
  if (lease_released_) {
    return;
  }
  lease_released_ = true;
  if (held.kind != start_kind::fallback) {
    pools_.release(held, outcome);
  } else if (fallback_taken_) {
    fallback_taken_ = false;
    fallback_->give_back();
  }
}

// -- the direct deployment -----------------------------------------------------------------

asio::awaitable<bool> chat_proxy::serve_fallback(std::optional<error_info> original,
                                                 std::string_view reason) {
  fallback_reason_ = reason;
  // The fallback's lease: no container, no slot of a pool; its answer is relayed as a
  // container's would be, with the same deadlines.
  lease held;
  held.model = info_.model;
  held.container_id = "fallback";
  held.kind = start_kind::fallback;
  held.queue_time = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - received_);
  attempt_result outcome{attempt_status::failed, {}, lease_outcome::failed_before_first_byte};
  if (to_ms(deadline_ - clock::now()) <= std::chrono::milliseconds::zero()) {
    outcome.error = {errc::upstream_timeout, "the request's deadline (request_timeout "
                                               + std::to_string(cfg_.request_timeout.count())
                                               + " ms) passed before the fallback was asked"};
  } else {
    prepare_fallback_request();
    note_lease(held);
    lease_released_ = false;
    outcome = co_await attempt(held);
    release_once(held, outcome.release_as);
  }
  if (outcome.status == attempt_status::failed_mid_stream) {
    fallback_error_ = outcome.error.message;
  }
  if (auto kept = ended(outcome)) {
    co_return *kept;
  }
  // Nothing reached the client: it gets the error it would have had without the fallback (an
  // upstream-only model has none: it gets the fallback's own).
  fallback_error_ = outcome.error.message;
  logging::event{"fallback failed"}
    .field("request_id", request_id_)
    .field("model", info_.model)
    .field("fallback", fallback_->name)
    .field("reason", reason)
    .field("detail", outcome.error.message)
    .warn();
  const error_info& answered = original ? *original : outcome.error;
  // Named first: GCC 12 must not see a temporary inside a co_await expression.
  const std::string failed_on = original ? std::string{} : held.container_id;
  auto keep_alive = co_await answer_error(answered, failed_on);
  std::string_view ending = answered.code == errc::upstream_timeout ? "timeout"
                            : original && attempts_ <= 1         ? "rejected"
                                                         : to_string(lease_outcome::failed_before_first_byte);
  summarize(ending, answered.code);
  co_return keep_alive;
}

void chat_proxy::prepare_fallback_request() {
  if (!fallback_head_.empty()) {
    return;
  }
  const auto& target = *fallback_;
  if (!target.config.model.empty() && info_.model_length >= 2) {
    fallback_body_ = rewrite_model(upstream_body_, info_, target.config.model);
  }
  const auto& body = fallback_body_.empty() ? upstream_body_ : fallback_body_;
  // The container's head but for its first lines: the upstream's path and Host, and its own
  // credentials. The client's Authorization (a janusd API key) is never among them.
  auto fields = std::string_view{upstream_head_};
  fields.remove_prefix(fields.find(crlf) + crlf.size()); // the request line
  fields.remove_prefix(fields.find(crlf) + crlf.size()); // Host: 127.0.0.1
  fields.remove_suffix(crlf.size());                    // the head's end
  auto length_at = fields.rfind("Content-Length: ");
  fields = fields.substr(0, length_at);
  fallback_head_.reserve(upstream_head_.size() + target.fixed_fields.size() + 64);
  fallback_head_.append("POST ").append(target.upstream.path).append(" HTTP/1.1\r\n");
  fallback_head_.append(target.fixed_fields).append(fields);
  add_field(fallback_head_, "Content-Length", std::to_string(body.size()));
  fallback_head_ += crlf;
}

asio::awaitable<std::optional<chat_proxy::attempt_result>> chat_proxy::connect_fallback(
  const lease& held, std::chrono::milliseconds timeout) {
  close_upstream();
  const auto& target = *fallback_;
  if (!fallback_taken_) {
    if (!target.try_take()) {
      co_return attempt_result{attempt_status::failed,
                               {errc::upstream_failed,
                                "fallback " + target.name + " has all its "
                                  + std::to_string(target.config.max_connections)
                                  + " connections in use (fallback.max_connections)"},
                               lease_outcome::failed_before_first_byte};
    }
    fallback_taken_ = true;
  }
  if (!target.upstream.tls) {
    if (auto pooled = home_.upstreams().take(target.pool_key)) {
      upstream_.emplace(std::move(*pooled));
      co_return std::nullopt;
    }
  }
  upstream_link link;
  upstream_peer peer{target.upstream, target.tls.get(), target.trust};
  auto failed = co_await open_upstream_link(client_.get_executor(), peer, clock::now() + timeout,
                                            link);
  if (client_gone_) {
    co_return attempt_result{attempt_status::client_gone, {}, lease_outcome::client_gone};
  }
  if (failed) {
    co_return attempt_result{attempt_status::failed,
                             {failed->code, "fallback: " + failed->message},
                             lease_outcome::failed_before_first_byte};
  }
  if (link.plain) {
    upstream_.emplace(link.plain->release_socket());
  } else {
    upstream_tls_ = std::move(link.secure);
  }
  co_return std::nullopt;
}

std::string chat_proxy::who(const lease& held) const {
  if (held.kind == start_kind::fallback) {
    return "fallback " + fallback_->name;
  }
  return "container " + held.container_id;
}

const std::string& chat_proxy::pool_key(const lease& held) const {
  return held.kind == start_kind::fallback ? fallback_->pool_key : held.container_id;
}

// -- the upstream connection, plain or TLS -------------------------------------------------

tcp::socket& chat_proxy::attempt_socket() {
  return upstream_tls_ ? upstream_tls_->next_layer().socket() : *upstream_;
}

bool chat_proxy::has_upstream() const {
  return upstream_ || upstream_tls_;
}

void chat_proxy::close_upstream() {
  upstream_.reset();
  upstream_tls_.reset();
}

void chat_proxy::keep_upstream_if_clean(const lease& held) {
  // Kept alive, and nothing after the answer: bytes after it are an answer nobody asked for,
  // so such a connection is not reused.
  if (reader_.done() && reader_.keep_alive() && upstream_buffer_.size() == 0 && upstream_) {
    home_.upstreams().give_back(pool_key(held), std::move(*upstream_));
    upstream_.reset();
  }
}

asio::awaitable<std::tuple<beast::error_code, std::size_t>> chat_proxy::upstream_write(
  std::array<asio::const_buffer, 2> buffers, std::chrono::milliseconds limit) {
  if (upstream_tls_) {
    upstream_tls_->next_layer().expires_after(limit);
    co_return co_await asio::async_write(*upstream_tls_, buffers, nothrow);
  }
  // Mostly one sendmsg that takes it all; the rest, if any, under the session's deadline.
  beast::error_code ec;
  auto sent = send_now(*upstream_, buffers, ec);
  if (ec || sent == asio::buffer_size(buffers)) {
    co_return std::tuple{ec, sent};
  }
  socket_deadline::scope bounded{deadline_io_, *upstream_, clock::now() + limit};
  auto [rest_ec, rest_n] = co_await write_rest(*upstream_, buffers, sent);
  co_return std::tuple{deadline_io_.reason(rest_ec), sent + rest_n};
}

asio::awaitable<beast::error_code> chat_proxy::upstream_read(clock::time_point until) {
  auto room = upstream_buffer_.prepare(beast::read_size(upstream_buffer_, 64 * 1024));
  beast::error_code ec;
  std::size_t n = 0;
  if (upstream_tls_) {
    upstream_tls_->next_layer().expires_at(until);
    std::tie(ec, n) = co_await upstream_tls_->async_read_some(room, nothrow);
  } else {
    // On the plain socket, bounded by the session's deadline: tcp_stream's own timer would be
    // armed and its cancellation posted for every read.
    socket_deadline::scope bounded{deadline_io_, *upstream_, until};
    std::tie(ec, n) = co_await upstream_->async_read_some(room, nothrow);
    ec = deadline_io_.reason(ec);
  }
  upstream_buffer_.commit(n);
  if (ec == asio::error::eof) {
    co_return reader_.end_of_input();
  }
  co_return ec;
}

std::string_view chat_proxy::buffered() const {
  auto bytes = upstream_buffer_.cdata();
  return {static_cast<const char*>(bytes.data()), bytes.size()};
}

std::pair<beast::error_code, std::size_t> chat_proxy::decode_buffered() {
  auto step = reader_.read_body(buffered(), relay_buffer_.bytes());
  upstream_buffer_.consume(step.taken);
  // Nothing of a piece whose framing broke is relayed: a whole answer broken in its first
  // piece still gets its 502.
  return {step.error, step.error ? 0 : step.produced};
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
  summary.fallback = fallback_reason_;
  summary.fallback_error = fallback_error_;
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

std::optional<result<lease>> chat_proxy::try_lease(std::chrono::milliseconds remaining,
                                                    const std::string& avoid) {
  acquire_request asked{info_.model, request_id_, remaining, avoid, nullptr};
  if (auto now = pools_.try_acquire(asked)) {
    return result<lease>{std::move(*now)};
  }
  return std::nullopt;
}

asio::awaitable<void> chat_proxy::wait_for_lease(std::chrono::milliseconds remaining,
                                                 const std::string& avoid,
                                                 std::optional<result<lease>>& granted) {
  // It waits in the pool: a client that goes meanwhile withdraws it (on_client_gone, so the
  // watch starts now), and a stream keeps its client's connection busy meanwhile
  // (start_heartbeat).
  watch_client();
  start_heartbeat();
  acquire_request request{info_.model, request_id_, remaining, avoid,
                          std::make_shared<std::atomic<bool>>(false)};
  waiting_.emplace(acquire_request{info_.model, {}, {}, {}, request.cancelled});
  auto answer = co_await ask<result<lease>>([this, &request](auto done) {
    pools_.acquire(std::move(request), std::move(done));
  });
  waiting_.reset();
  granted.emplace(std::move(answer));
}

std::chrono::milliseconds chat_proxy::within_deadline(std::chrono::milliseconds limit) const {
  return std::max(std::min(limit, to_ms(deadline_ - clock::now())), std::chrono::milliseconds{1});
}

std::string chat_proxy::timeout_message(const lease& held, std::chrono::milliseconds limit,
                                        std::chrono::milliseconds used,
                                        std::string_view limit_name,
                                        std::string_view waiting_for) const {
  if (used < limit) {
    return who(held) + " " + std::string{waiting_for}
           + " by the request's deadline (request_timeout "
           + std::to_string(cfg_.request_timeout.count()) + " ms)";
  }
  return who(held) + " " + std::string{waiting_for} + " within "
         + std::to_string(limit.count()) + " ms (" + std::string{limit_name} + ")";
}

asio::awaitable<chat_proxy::attempt_result> chat_proxy::attempt(const lease& held) {
  auto head = co_await exchange_head(held);
  if (head.status != attempt_status::done) {
    close_upstream();
    co_return head;
  }
  auto relayed = co_await relay(held);
  close_upstream();
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

bool chat_proxy::take_pooled_connection(const lease& held) {
  // A pooled connection comes back only when it is still open (upstream_pool::take() looks):
  // one the container closed while idle is dropped unused, and a new one is opened.
  close_upstream();
  if (auto pooled = home_.upstreams().take(held.container_id)) {
    upstream_.emplace(std::move(*pooled));
    return true;
  }
  return false;
}

asio::awaitable<std::optional<chat_proxy::attempt_result>> chat_proxy::connect_container(
  const lease& held, std::chrono::milliseconds io_timeout) {
  boost::system::error_code address_error;
  // Every container is on a loopback 127.0.0.1 (model/lease.hpp): no parse per request for it.
  auto address = held.target.host == "127.0.0.1"
                   ? asio::ip::address{asio::ip::address_v4::loopback()}
                   : asio::ip::make_address(held.target.host, address_error);
  if (address_error) {
    co_return attempt_result{attempt_status::not_delivered,
                             {errc::upstream_failed, "bad container address " + held.target.host},
                             lease_outcome::failed_before_first_byte};
  }
  tcp::endpoint target{address, held.target.port};

  auto limit = within_deadline(io_timeout);
  auto ec = co_await open_upstream(held.target, target, limit);
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
  if (ec && is_own_trouble(ec)) {
    // janusd's own shortage: no container is to blame, and any other would fail the same.
    co_return attempt_result{attempt_status::failed,
                             {errc::engine_overloaded,
                              "janusd cannot open a connection to a container now ("
                                + ec.message() + "): try again shortly"},
                             lease_outcome::failed_before_first_byte};
  }
  if (ec) {
    // Nothing was sent, and nothing listens there: safe to send elsewhere.
    co_return attempt_result{attempt_status::not_delivered,
                             {errc::upstream_failed, "cannot connect to container "
                                + held.container_id + " at 127.0.0.1:"
                                + std::to_string(held.target.port) + ": " + ec.message()},
                             lease_outcome::refused};
  }
  co_return std::nullopt;
}

asio::awaitable<chat_proxy::attempt_result> chat_proxy::exchange_head(const lease& held) {
  auto io_timeout = std::chrono::milliseconds{cfg_.upstream_timeout};
  auto first_byte_timeout = held.first_byte_timeout > std::chrono::milliseconds::zero()
                              ? held.first_byte_timeout
                              : std::chrono::milliseconds{cfg_.upstream_timeout};
  beast::error_code ec;
  if (held.kind == start_kind::fallback) {
    if (auto failed = co_await connect_fallback(held, within_deadline(io_timeout))) {
      co_return std::move(*failed);
    }
  } else if (!take_pooled_connection(held)) {
    if (auto failed = co_await connect_container(held, io_timeout)) {
      co_return std::move(*failed);
    }
  }

  auto write_limit = within_deadline(io_timeout);
  std::size_t n = 0;
  bool to_fallback = held.kind == start_kind::fallback;
  std::array<asio::const_buffer, 2> request{
    asio::buffer(to_fallback ? fallback_head_ : upstream_head_),
    asio::buffer(to_fallback && !fallback_body_.empty() ? fallback_body_ : upstream_body_)};
  std::tie(ec, n) = co_await upstream_write(request, write_limit);
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
                             {errc::upstream_failed, who(held)
                                + " closed the connection before the request was written: "
                                + ec.message()},
                             lease_outcome::failed_before_first_byte};
  }

  // From here on the container has the request: nothing is sent again.
  auto head_limit = within_deadline(first_byte_timeout);
  upstream_buffer_.clear();
  // Room for a whole small answer in the first read: an empty buffer would read 512 bytes, and a
  // chat answer's head and JSON are more; the rest would cost a second read.
  upstream_buffer_.reserve(first_upstream_read_bytes);
  // Not a container of ours: a real server's head may be larger, never unbounded.
  reader_.reset(to_fallback ? fallback_header_limit : response_reader::default_head_limit);
  auto head_until = clock::now() + head_limit;
  while (true) {
    ec = co_await upstream_read(head_until);
    if (ec || client_gone_) {
      break;
    }
    auto step = reader_.read_head(buffered());
    ec = step.error;
    if (ec || reader_.head_done()) {
      upstream_buffer_.consume(step.taken);
      break;
    }
  }
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
                             {errc::upstream_failed, who(held)
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
    switch (made.error().code) {
      case errc::shutting_down:
        co_return asio::error::operation_aborted;
      case errc::engine_overloaded:
        co_return asio::error::no_descriptors; // janusd's shortage: nobody is blamed
      default:
        co_return asio::error::connection_refused;
    }
  }
  upstream_.emplace(std::move(made.value()));
  boost::system::error_code ec;
  {
    socket_deadline::scope bounded{deadline_io_, *upstream_, clock::now() + timeout};
    std::tie(ec) = co_await upstream_->async_connect(peer, nothrow);
  }
  ec = deadline_io_.reason(ec);
  if (!ec) {
    upstream_->set_option(tcp::no_delay{true}, ec);
  }
  co_return ec;
}

asio::awaitable<chat_proxy::attempt_result> chat_proxy::relay(const lease& held) {
  // The container's first byte is here: the heartbeat's work is done, the client is ours.
  if (heartbeat_) {
    co_await stop_heartbeat();
  }
  if (client_gone_) {
    co_return attempt_result{attempt_status::client_gone, {}, lease_outcome::client_gone};
  }
  bool is_stream = reader_.status() == 200 && reader_.content_type().starts_with("text/event-stream");
  if (early_head_ && !is_stream) {
    co_return co_await relay_as_error_frame(held);
  }
  if (!early_head_) {
    status_sent_ = reader_.status();
  }
  // Our response head, written by hand: the container's status, type and caching, our own
  // fields, and the body's framing (its length when the container sent one, chunked otherwise).
  std::string head;
  head.reserve(384);
  bool chunked = true;
  if (early_head_) {
    // The head went out while the request waited: what it could not say yet (which container,
    // how it started, the wait) comes as the stream's first SSE comment, before the first token.
    head = janus_comment(held);
  } else {
    head.append("HTTP/1.1 ").append(std::to_string(status_sent_)).append(" ");
    head.append(bhttp::obsolete_reason(static_cast<bhttp::status>(status_sent_))).append(crlf);
    if (!reader_.content_type().empty()) {
      add_field(head, "Content-Type", reader_.content_type());
    }
    if (!reader_.cache_control().empty()) {
      add_field(head, "Cache-Control", reader_.cache_control());
    }
    add_field(head, "x-request-id", request_id_);
    add_field(head, "x-janus-start", to_string(held.kind));
    add_field(head, "x-janus-queue-ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(held.queue_time).count()));
    add_field(head, "x-janus-container", held.container_id);
    // 1xx, 204 and 304 have no body, and say nothing of one.
    bool no_body = reader_.body_framing() == response_reader::framing::none;
    auto length = reader_.content_length();
    if (length || no_body) {
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
    if (length) {
      add_field(head, "Content-Length", std::to_string(*length));
    } else if (chunked && !client_http10_) {
      add_field(head, "Transfer-Encoding", "chunked");
    }
    head += crlf;
  }
  // A body without a length is chunked towards an HTTP/1.1 client, close-delimited otherwise;
  // after an early head always so (that head promised no length).
  chunked = (chunked || early_head_) && !client_http10_;
  const attempt_result client_left{attempt_status::client_gone, {}, lease_outcome::client_gone};
  // Whatever the upstream sent with its header is relayed with ours in one write; when nothing
  // came yet, a stream's header goes at once, so the client sees the status before the first
  // token. A whole answer's header waits for its body: until then a failure can still be
  // answered with its own status (504 at the deadline).
  bool head_sent = false;
  if (is_stream && upstream_buffer_.size() == 0) {
    client_.expires_after(within_deadline(cfg_.stream_idle_timeout));
    auto [header_ec, header_n] = co_await write_now(client_, asio::buffer(head));
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
    if (!reader_.done()) {
      read_limit = within_deadline(cfg_.stream_idle_timeout);
      // What came with the head (or with an earlier read) is decoded first, without I/O; a read
      // is only for more. The reader takes all it is given unless relay_buffer_ fills.
      if (upstream_buffer_.size() == 0) {
        ec = co_await upstream_read(clock::now() + read_limit);
      }
      if (client_gone_) {
        co_return client_left;
      }
      if (!ec) {
        std::tie(ec, got) = decode_buffered();
      }
    }
    bool done = !ec && reader_.done();
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
      // write_now's two halves, here in the loop: the usual write (the socket takes it all) is
      // one sendmsg and no coroutine frame. A client that does not take the rest holds the
      // slot no longer than the deadline.
      std::span<const asio::const_buffer> pieces{out.data(), used};
      beast::error_code wec;
      auto sent = send_now(client_.socket(), pieces, wec);
      if (!wec && sent < asio::buffer_size(pieces)) {
        client_.expires_after(within_deadline(cfg_.stream_idle_timeout));
        std::size_t more = 0;
        std::tie(wec, more) = co_await write_rest(client_, pieces, sent);
      }
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
                                   : who(held) + " failed mid-answer: " + ec.message()};
      auto release_as = timed_out ? lease_outcome::timed_out : lease_outcome::failed_mid_stream;
      // The upstream is closed and the slot given back now, before the client hears of it.
      close_upstream();
      release_once(held, release_as);
      if (!head_sent && !is_stream) {
        // Nothing of the answer reached the client: it gets the error's own status, and hears
        // which container failed it.
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

  keep_upstream_if_clean(held);
  co_return attempt_result{};
}

asio::awaitable<chat_proxy::attempt_result> chat_proxy::relay_as_error_frame(const lease& held) {
  // The client was told "200, a stream" while the request waited, and the container answers
  // something else (an error status, a whole JSON answer): the stream carries the container's
  // own error object when it sent one, an upstream_error frame naming the status otherwise.
  auto status = reader_.status();
  std::string content_type{reader_.content_type()};
  std::string body;
  beast::error_code ec;
  while (!reader_.done() && body.size() < max_error_body_bytes) {
    if (upstream_buffer_.size() == 0) {
      ec = co_await upstream_read(clock::now() + within_deadline(cfg_.stream_idle_timeout));
    }
    if (client_gone_) {
      co_return attempt_result{attempt_status::client_gone, {}, lease_outcome::client_gone};
    }
    std::size_t got = 0;
    if (!ec) {
      std::tie(ec, got) = decode_buffered();
    }
    body.append(relay_buffer_.data(), got);
    if (ec) {
      break;
    }
  }
  bool complete = !ec && reader_.done();
  auto outcome = complete ? lease_outcome::ok
                          : (is_timeout(ec) ? lease_outcome::timed_out : lease_outcome::failed_mid_stream);
  if (complete) {
    keep_upstream_if_clean(held);
  }
  close_upstream();
  release_once(held, outcome);
  auto comment = janus_comment(held);
  client_.expires_after(error_write_limit(cfg_));
  auto [comment_ec, comment_n] = co_await asio::async_write(client_, asio::buffer(comment), nothrow);
  if (comment_ec) {
    co_return attempt_result{attempt_status::client_gone, {}, lease_outcome::client_gone};
  }
  // JSON has line breaks only between tokens: without them the object fits one `data:` line.
  std::erase_if(body, [](char c) { return c == '\n' || c == '\r'; });
  auto first = body.find_first_not_of(" \t");
  if (complete && status >= 400 && first != std::string::npos
      && std::string_view{body}.substr(first).starts_with(R"({"error")")) {
    error_frame_ = true;
    co_await end_stream_with_frame(body);
    co_return attempt_result{attempt_status::done, {}, outcome};
  }
  error_info failure{errc::upstream_failed,
                     who(held) + " answered " + std::to_string(status)
                       + (content_type.empty() ? std::string{} : " (" + content_type + ")")
                       + " instead of an event stream"};
  co_await end_stream_with_error(failure);
  co_return attempt_result{attempt_status::failed_mid_stream, std::move(failure), outcome};
}

std::string chat_proxy::janus_comment(const lease& held) const {
  std::string text;
  text.append(": x-janus-container: ").append(held.container_id).append("\n");
  text.append(": x-janus-start: ").append(to_string(held.kind)).append("\n");
  text.append(": x-janus-queue-ms: ")
    .append(std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(held.queue_time).count()))
    .append("\n\n");
  return client_http10_ ? text : chunked_piece(text);
}

asio::awaitable<void> chat_proxy::end_stream_with_error(const error_info& error) {
  auto rendered = make_error_response(error);
  co_await end_stream_with_frame(rendered.body);
}

asio::awaitable<void> chat_proxy::end_stream_with_frame(std::string_view data) {
  if (heartbeat_) {
    co_await stop_heartbeat();
  }
  auto tail = error_end_of_stream(scanner_, data);
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

asio::awaitable<bool> chat_proxy::answer_error(const error_info& error, const std::string& container) {
  // The heartbeat ends before the error is written: its writes and ours must not interleave.
  if (heartbeat_) {
    co_await stop_heartbeat();
  }
  stop_watching_client();
  if (early_head_) {
    // The client has had its 200 and a stream: the error ends that stream.
    co_await end_stream_with_error(error);
    co_return false;
  }
  co_return co_await write_error(error, container);
}

asio::awaitable<bool> chat_proxy::write_error(const error_info& error, const std::string& container) {
  auto rendered = make_error_response(error);
  status_sent_ = static_cast<unsigned>(rendered.status);
  bhttp::response<bhttp::string_body> response{rendered.status, 11};
  response.set(bhttp::field::content_type, "application/json");
  response.set("x-request-id", request_id_);
  if (!container.empty()) {
    response.set("x-janus-container", container);
  }
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

// -- heartbeat -----------------------------------------------------------------------------

void chat_proxy::start_heartbeat() {
  if (!info_.stream || cfg_.sse_keepalive <= std::chrono::milliseconds::zero() || heartbeat_
      || response_started_ || client_gone_) {
    return;
  }
  heartbeat_ = std::make_shared<heartbeat_state>(client_.get_executor());
  heartbeat_->next = clock::now() + cfg_.sse_keepalive;
  asio::co_spawn(client_.get_executor(), beat(heartbeat_), asio::detached);
}

asio::awaitable<void> chat_proxy::stop_heartbeat() {
  auto state = heartbeat_;
  state->stop = true;
  state->tick.cancel();
  // Nothing runs between this look and the wait (one thread): the beat's end cancels the wait.
  while (state->running) {
    state->done.expires_at(clock::time_point::max());
    co_await state->done.async_wait(nothrow);
  }
}

asio::awaitable<void> chat_proxy::beat(std::shared_ptr<heartbeat_state> state) {
  // `this` is valid while `running`: the request's end waits for it (stop_heartbeat).
  while (!state->stop) {
    state->tick.expires_at(state->next);
    co_await state->tick.async_wait(nothrow);
    if (state->stop || client_gone_) {
      break;
    }
    state->next += cfg_.sse_keepalive;
    std::string out;
    if (!early_head_) {
      out = early_head();
      early_head_ = true;
      response_started_ = true;
      status_sent_ = 200;
    }
    constexpr std::string_view comment = ": keep-alive\n\n";
    out += client_http10_ ? std::string{comment} : chunked_piece(comment);
    client_.expires_after(within_deadline(cfg_.stream_idle_timeout));
    auto [ec, n] = co_await asio::async_write(client_, asio::buffer(out), nothrow);
    if (ec) {
      if (!client_gone_) {
        on_client_gone();
      }
      break;
    }
  }
  state->running = false;
  state->done.cancel();
}

std::string chat_proxy::early_head() {
  std::string head;
  head.reserve(256);
  head.append("HTTP/1.1 200 OK").append(crlf);
  add_field(head, "Content-Type", "text/event-stream");
  add_field(head, "Cache-Control", "no-cache");
  add_field(head, "x-request-id", request_id_);
  if (client_http10_) {
    // HTTP/1.0 knows no chunked coding: the stream ends with the connection.
    client_keep_alive_ = false;
  }
  if (!client_keep_alive_) {
    add_field(head, "Connection", "close");
  }
  if (!client_http10_) {
    add_field(head, "Transfer-Encoding", "chunked");
  }
  head += crlf;
  return head;
}

// -- client watch --------------------------------------------------------------------------

void chat_proxy::watch_client() {
  watch_job_.cancel();
  if (watched_) {
    return;
  }
  watched_ = true;
  watch_ = std::make_shared<client_watch>(client_watch{this, 0});
  // A receive that peeks, not a wait: Asio arms every wait with an epoll_ctl (EPOLL_CTL_MOD),
  // while a receive finds the socket registered for reading already and costs one recv that
  // finds nothing (strace: one recvfrom per request instead of one epoll_ctl). The peeked bytes
  // stay in the socket for the session.
  client_.socket().async_receive(
    asio::buffer(&watch_->byte, 1), tcp::socket::message_peek,
    [watch = watch_](beast::error_code ec, std::size_t n) {
      auto* self = watch->owner;
      if (self == nullptr || ec == asio::error::operation_aborted) {
        return;
      }
      watch->owner = nullptr;
      if (ec || n == 0) {
        self->on_client_gone(); // closed (eof) or reset
      }
      // Otherwise bytes of a pipelined next request: left for the session; no more watching.
    });
}

void chat_proxy::stop_watching_client() {
  // A watch not started yet never starts; one started is not cancelled: a cancellation is a
  // posted handler and a scheduler round. The peek stays pending, harmlessly, until the
  // client's next bytes (or its close) end it, and the session's next read waits behind it, so
  // that read costs no failed recv either.
  watch_job_.cancel();
  watched_ = true;
  if (watch_) {
    watch_->owner = nullptr;
  }
  watch_.reset();
}

void chat_proxy::on_client_gone() {
  client_gone_ = true;
  if (heartbeat_) {
    heartbeat_->stop = true;
    heartbeat_->tick.cancel();
  }
  if (has_upstream()) {
    beast::error_code ignored;
    attempt_socket().close(ignored);
  }
  if (waiting_) {
    // Its place in the queue is free at once; the pending acquire is answered (cancelled).
    pools_.cancel(*waiting_);
  }
}

} // namespace janus::http
