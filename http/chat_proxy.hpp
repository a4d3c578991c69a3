#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <memory>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "http/broker.hpp"
#include "http/request_metrics.hpp"
#include "http/response_reader.hpp"
#include "http/shard.hpp"
#include "http/socket_deadline.hpp"
#include "http/sse_scanner.hpp"
#include "http/trace_context.hpp"
#include "http/upstream_link.hpp"
#include "model/config.hpp"
#include "model/openai.hpp"

namespace janus::http {

struct fallback_target;

/// One chat-completions request on its way through the engine: lease a container slot, forward
/// the body unchanged over a pooled keep-alive connection, relay the answer piece by piece as it
/// arrives, release the lease with the outcome. A client that goes away closes the upstream
/// (at once, or for a request younger than server.client_watch_after at that age: the watch
/// starts then), and while it waits for a slot withdraws its place in the queue at once
/// (broker::cancel). When
/// the request ends it reports one summary (log line and metrics: status, outcome, timings).
///
/// Deadlines. `request_timeout` bounds the whole request from the moment it was read: the wait
/// for a slot, every attempt and the answer to its last byte. Past it a stream ends with an
/// `upstream_timeout` error frame and `data: [DONE]`, an answer not started yet gets 504; the
/// upstream is closed and the slot given back at the deadline. Within it, server.upstream_timeout
/// bounds the connect and the write of the request, the model's first_byte_timeout (default:
/// server.upstream_timeout) the time from the request written to the answer's first byte, and
/// stream_idle_timeout every silence after that.
///
/// Re-sending. A request is sent again only when it provably did not reach the model:
///  - the connect failed: nothing was sent;
///  - the write of the request failed before it was complete: the container never had the whole
///    request (it is framed by Content-Length), so it cannot have acted on it.
/// Anything after the whole request was written is final: a close or reset without an answer, a
/// bad answer, a timeout (a timeout is never re-sent). A container that reads a request and dies
/// of it looks on the wire exactly like one that closed an idle keep-alive connection just as the
/// request arrived, so a pooled connection gets no second chance after its write either. That
/// race is kept small instead: upstream_pool::take() looks at every pooled connection before it
/// is reused (a connection the container closed while it was idle has its FIN or RST queued, and
/// is dropped unused: no request was written, so opening a new one is no re-send), and janusd
/// closes its idle connections after 15 s, before containers close them for idleness. What
/// remains (a container that closes an idle connection between that look and the request's
/// arrival, within microseconds) fails that one request with 502. At most server.max_retries
/// re-sends, each on another container when one has a free slot, within the deadline.
///
/// Blame. Only a refused connect counts against a container (lease_outcome::refused; its
/// model's failure_threshold of them in a row retire it): nothing was sent, so only the container
/// (nothing listening) can be the cause. janusd's own trouble (out of descriptors for the
/// connection) is kept apart: 503 engine_overloaded, counted against no container and not sent
/// again (any other container would fail the same way).
/// A failure after the request was written may be the request's own doing (a poison request
/// fails on every container it reaches), so it counts against none; a timeout counts as slow
/// (outcome `timeout`), never as a failure. No sequence of requests can thus retire a healthy
/// container; one that takes connections but fails every request is left to its health checks.
///
/// Waiting streams. A streaming request that waits for a slot (queue, cold start) for
/// server.sse_keepalive gets its response head then (200, text/event-stream, x-request-id),
/// and an SSE comment `: keep-alive` every sse_keepalive until the container's answer begins;
/// the fields that name the container (x-janus-container, x-janus-start, x-janus-queue-ms) come
/// as the stream's first comment. A failure after that head ends the stream with an error frame
/// and `data: [DONE]`. The heartbeat is a second coroutine that owns the client's writes until
/// stop_heartbeat() joins it: every write of the request's own is preceded by that join.
///
/// Fallback. A model with a direct deployment (fallback_target) sends a request there when its
/// pool failed it for a reason in fallback.when (model/fallback_config.hpp), and an
/// upstream-only model sends every request there. That attempt is a lease of kind `fallback`
/// without container or slot: the same head (its own path, Host and credentials instead of the
/// container's; the client's Authorization is never sent), the same deadlines and the same
/// relay (streams, keep-alive comments, error frames), over plain TCP or TLS. It is made once,
/// never re-sent; when it fails before anything reached the client, the client gets the error
/// it had without it, and the log line says why the fallback failed.
class chat_proxy {
public:
  using clock = std::chrono::steady_clock;

  /// `client_version` 10: an HTTP/1.0 client, which gets an answer without a length
  /// close-delimited (never chunked) and `Connection: keep-alive` when its connection is kept.
  chat_proxy(boost::beast::tcp_stream& client, socket_deadline& deadline, shard& home,
             const server_config& cfg, broker& pools, std::string request_id,
             const trace_context& trace, chat_request_info info, std::string body,
             bool client_keep_alive, request_metrics* metrics = nullptr,
             unsigned client_version = 11);

  ~chat_proxy();

  /// Serves the request; returns whether the client connection may serve another request.
  boost::asio::awaitable<bool> run();

private:
  /// How an attempt on one lease ended: `not_delivered` may be sent again (see above), `failed`
  /// happened before anything reached the client and is final, `failed_mid_stream` after.
  enum class attempt_status { done, client_gone, not_delivered, failed, failed_mid_stream };

  struct attempt_result {
    attempt_status status = attempt_status::done;
    error_info error;
    /// What the lease is given back with (the pool's accounting).
    lease_outcome release_as = lease_outcome::ok;
  };

  /// The request's course; run() adds the heartbeat's join on every path.
  boost::asio::awaitable<bool> serve();

  /// serve() for an upstream-only model (fallback.always).
  boost::asio::awaitable<bool> serve_upstream_only();

  /// Answers a request the pool gave no lease (`refused`), or sends it to the fallback.
  boost::asio::awaitable<bool> answer_no_lease(const error_info& refused);

  /// Answers a request whose attempts all failed (`last_error`, on container `failed_on`),
  /// or sends it to the fallback.
  boost::asio::awaitable<bool> answer_failure(error_info& last_error, const std::string& failed_on);

  /// A free slot at once (broker::try_acquire, the usual path: no coroutine frame), avoiding
  /// `avoid` when another container can serve; nothing when the request must wait.
  std::optional<result<lease>> try_lease(std::chrono::milliseconds remaining,
                                         const std::string& avoid);

  /// A slot for the request by waiting in the pool for at most `remaining`, into `granted`.
  boost::asio::awaitable<void> wait_for_lease(std::chrono::milliseconds remaining,
                                              const std::string& avoid,
                                              std::optional<result<lease>>& granted);

  /// `limit`, cut short by the request's deadline (1 ms at least, so an expiry still fires).
  std::chrono::milliseconds within_deadline(std::chrono::milliseconds limit) const;

  /// The message of a timeout after waiting `used`: the request deadline's when it cut the
  /// wait short of `limit`, that of `limit_name` otherwise.
  std::string timeout_message(const lease& held, std::chrono::milliseconds limit,
                              std::chrono::milliseconds used, std::string_view limit_name,
                              std::string_view waiting_for) const;

  boost::asio::awaitable<attempt_result> attempt(const lease& held);

  /// When the attempt ended the request (done, the client gone, a failure after the answer
  /// began): reports it and returns whether the client connection may serve another request.
  /// Nothing when another attempt (or the error answer) comes.
  std::optional<bool> ended(const attempt_result& outcome);

  /// Sends the request to the fallback and answers the client: `original` is the error the
  /// client gets when that fails before an answer (none for an upstream-only model: then the
  /// fallback's own), `reason` what the log line says.
  boost::asio::awaitable<bool> serve_fallback(std::optional<error_info> original,
                                              std::string_view reason);

  /// The fallback's head and (with fallback.model) body, made once.
  void prepare_fallback_request();

  /// Takes one of the fallback's connections (fallback.max_connections) and opens it, or
  /// reuses an idle plain one, within `timeout`; nothing when it is ready.
  boost::asio::awaitable<std::optional<attempt_result>> connect_fallback(
    const lease& held, std::chrono::milliseconds timeout);

  /// Takes one of the leased container's idle connections (upstream_pool::take() looks that it
  /// is still open) into `upstream_`; false when it has none.
  bool take_pooled_connection(const lease& held);

  /// Opens a new connection to the leased container within `io_timeout`, after
  /// take_pooled_connection() found none (and closed what was open); nothing when it is ready.
  boost::asio::awaitable<std::optional<attempt_result>> connect_container(
    const lease& held, std::chrono::milliseconds io_timeout);

  /// `container <id>` or `fallback <url>`, for messages.
  std::string who(const lease& held) const;

  /// The key of the attempt's idle connections in the shard's upstream_pool.
  const std::string& pool_key(const lease& held) const;

  // The attempt's connection: `upstream_` (plain) or `upstream_tls_` (an https fallback).
  boost::asio::ip::tcp::socket& attempt_socket();
  bool has_upstream() const;
  void close_upstream();
  /// Gives a plain upstream connection back to the shard's pool if its answer ended cleanly.
  void keep_upstream_if_clean(const lease& held);
  /// Writes the request to the upstream within `limit`; a write past it fails with
  /// beast::error::timeout.
  boost::asio::awaitable<std::tuple<boost::beast::error_code, std::size_t>> upstream_write(
    std::array<boost::asio::const_buffer, 2> buffers, std::chrono::milliseconds limit);
  /// Reads what comes next of the answer into upstream_buffer_, by `until`; a read past it
  /// fails with beast::error::timeout. The connection's end is the reader's to judge
  /// (response_reader::end_of_input: the end of a body delimited by it, or an error).
  boost::asio::awaitable<boost::beast::error_code> upstream_read(clock::time_point until);

  /// What upstream_buffer_ holds, as text (valid until it changes).
  std::string_view buffered() const;

  /// Decodes the answer's body bytes that upstream_buffer_ holds into relay_buffer_ (no I/O):
  /// the bytes put there, and the error of a malformed body.
  std::pair<boost::beast::error_code, std::size_t> decode_buffered();

  /// Connects (or reuses a pooled connection), sends the request and reads the answer's header.
  boost::asio::awaitable<attempt_result> exchange_head(const lease& held);

  /// Opens a new connection to `peer` (the container `where`'s 127.0.0.1:port) into `upstream_`
  /// within `timeout`: a socket made inside the container's network namespace when it has one
  /// (http/upstream_socket.hpp), with Nagle off.
  boost::asio::awaitable<boost::beast::error_code> open_upstream(
    const endpoint& where, boost::asio::ip::tcp::endpoint peer, std::chrono::milliseconds timeout);

  /// Relays the answer's body to the client, piece by piece.
  boost::asio::awaitable<attempt_result> relay(const lease& held);

  /// After an early head: relays a container's answer that is no event stream as the stream's
  /// end (its own error object as the frame when it sent one, an upstream_error otherwise).
  boost::asio::awaitable<attempt_result> relay_as_error_frame(const lease& held);

  /// The SSE comment that carries what an early head could not: container, start kind, wait.
  std::string janus_comment(const lease& held) const;

  /// Ends a started stream after an upstream failure: an error frame and `data: [DONE]`.
  boost::asio::awaitable<void> end_stream_with_error(const error_info& error);

  /// Ends a started stream with `data: <data>` and `data: [DONE]`.
  boost::asio::awaitable<void> end_stream_with_frame(std::string_view data);

  /// Answers a failure: its own status when nothing was sent yet, the end of the stream after
  /// an early head. `container`: the one whose attempt failed (`x-janus-container`), if any.
  boost::asio::awaitable<bool> answer_error(const error_info& error, const std::string& container);

  boost::asio::awaitable<bool> write_error(const error_info& error, const std::string& container);

  /// The heartbeat of a waiting stream (see "Waiting streams"): started when acquire() must
  /// wait, once per request; nothing for a non-stream or with sse_keepalive 0.
  void start_heartbeat();

  /// Stops the heartbeat and waits until it has finished its write in progress. Before
  /// stop_watching_client(): its cancel would cut a heartbeat's write short. Called only when
  /// there is one (`if (heartbeat_)`): most requests have none, and a call is a coroutine frame.
  boost::asio::awaitable<void> stop_heartbeat();

  struct heartbeat_state {
    explicit heartbeat_state(const boost::asio::any_io_executor& executor)
      : tick(executor), done(executor) {
    }
    boost::asio::steady_timer tick;
    /// Cancelled when the beat ends: wakes stop_heartbeat().
    boost::asio::steady_timer done;
    clock::time_point next;
    bool stop = false;
    bool running = true;
  };

  boost::asio::awaitable<void> beat(std::shared_ptr<heartbeat_state> state);

  /// The head sent while the request waits; makes an HTTP/1.0 client's connection close.
  std::string early_head();

  /// Gives the attempt's lease back, once: early when the container's answer is complete, or
  /// when the attempt ends.
  void release_once(const lease& held, lease_outcome outcome);

  /// Watches the client socket while the request is served, to notice at once when it goes:
  /// from server.client_watch_after after the request came (watch_job_), or at once when the
  /// request must wait in a pool. Once per request.
  void watch_client();

  static void watch_client_now(void* self) {
    static_cast<chat_proxy*>(self)->watch_client();
  }

  void stop_watching_client();

  void on_client_gone();

  /// Counts a granted lease and keeps what the summary reports of it.
  void note_lease(const lease& held);

  /// Reports how the request ended (request_summary): once, at its end.
  void summarize(std::string_view outcome, errc error);

  boost::beast::tcp_stream& client_;
  /// The session's: bounds the reads from a plain upstream connection.
  socket_deadline& deadline_io_;
  shard& home_;
  const server_config& cfg_;
  broker& pools_;
  std::string request_id_;
  /// The request's trace (janusd's span): sent on as `traceparent`, in the summary.
  std::array<char, trace_context::trace_id_size> trace_id_;
  std::array<char, trace_context::span_id_size> span_id_;
  chat_request_info info_;
  bool client_keep_alive_;
  /// An HTTP/1.0 client: no chunked framing towards it.
  bool client_http10_;
  clock::time_point deadline_;
  /// The request to the container: its head (written by hand: no field container, no serializer)
  /// and the client's body, unchanged; both go in one write.
  std::string upstream_head_;
  std::string upstream_body_;

  /// The model's direct deployment, or null.
  std::shared_ptr<const fallback_target> fallback_;
  /// The fallback's request head and, when fallback.model rewrites it, body (empty: the
  /// client's body as is).
  std::string fallback_head_;
  std::string fallback_body_;
  /// One of the fallback's max_connections is held.
  bool fallback_taken_ = false;

  // -- state of the current attempt --------------------------------------------------------
  /// A plain socket, not a tcp_stream: its deadlines are the session's socket_deadline, and a
  /// tcp_stream would be one more heap allocation (its shared state) and two timers per request.
  std::optional<boost::asio::ip::tcp::socket> upstream_;
  std::unique_ptr<upstream_link::tls_stream> upstream_tls_;
  /// What came of the answer and is not read yet.
  boost::beast::flat_buffer upstream_buffer_;
  /// The answer's head and framing (our own reader: Beast's parser and its field list were a
  /// tenth of the warm path's instructions).
  response_reader reader_;
  bool response_started_ = false;
  bool lease_released_ = false;
  bool client_gone_ = false;
  /// The container streamed an error frame (`data: {"error":...}`): the request's outcome is
  /// error_frame even though the stream ended properly.
  bool error_frame_ = false;
  /// The model and flag of the acquire() waiting in a pool, to withdraw it when the client goes.
  std::optional<acquire_request> waiting_;
  /// Shared with the pending wait on the client socket, which may complete after this object
  /// is gone: it acts only while `owner` is set.
  struct client_watch {
    chat_proxy* owner = nullptr;
    /// Where the watch's peek puts the byte it sees (and leaves in the socket).
    char byte = 0;
  };
  std::shared_ptr<client_watch> watch_;
  bool watched_ = false;
  /// The watch's start, queued in the shard's client_watches() (most requests end before it).
  deferred_jobs::job watch_job_{&chat_proxy::watch_client_now, this};
  sse_scanner scanner_;
  std::shared_ptr<heartbeat_state> heartbeat_;
  /// The response head went out while the request waited (a 200 stream).
  bool early_head_ = false;

  // -- what the summary reports ------------------------------------------------------------
  /// Held until the request ends: the handles stay valid if the model is removed meanwhile.
  request_metrics::handle metrics_;
  clock::time_point received_;
  /// The status sent (or being sent) to the client; 0 while none was.
  unsigned status_sent_ = 0;
  std::optional<clock::time_point> first_token_at_;
  int attempts_ = 0;
  struct lease_facts {
    std::string container;
    start_kind kind = start_kind::warm;
    std::chrono::microseconds queue_time{0};
    std::chrono::microseconds container_start{0};
  };
  std::optional<lease_facts> last_lease_;
  /// Why the request went to the fallback ("" when it did not), and how that failed.
  std::string_view fallback_reason_;
  std::string fallback_error_;

  /// What the answer's body is decoded into and relayed from (the shard's, for this request).
  relay_buffers::lease relay_buffer_;
};

} // namespace janus::http
