#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <memory>
#include <chrono>
#include <optional>
#include <string>

#include "http/broker.hpp"
#include "http/request_metrics.hpp"
#include "http/shard.hpp"
#include "http/sse_scanner.hpp"
#include "http/trace_context.hpp"
#include "model/config.hpp"
#include "model/openai.hpp"

namespace janus::http {

/// One chat-completions request on its way through the engine: lease a container slot, forward
/// the body unchanged over a pooled keep-alive connection, relay the answer piece by piece as it
/// arrives, release the lease with the outcome. A client that goes away closes the upstream at
/// once, and while it waits for a slot withdraws its place in the queue (broker::cancel). When
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
/// (nothing listening) can be the cause; janusd's own trouble (out of descriptors) is kept apart.
/// A failure after the request was written may be the request's own doing (a poison request
/// fails on every container it reaches), so it counts against none; a timeout counts as slow
/// (outcome `timeout`), never as a failure. No sequence of requests can thus retire a healthy
/// container; one that takes connections but fails every request is left to its health checks.
class chat_proxy {
public:
  using clock = std::chrono::steady_clock;

  /// `client_version` 10: an HTTP/1.0 client, which gets an answer without a length
  /// close-delimited (never chunked) and `Connection: keep-alive` when its connection is kept.
  chat_proxy(boost::beast::tcp_stream& client, shard& home, const server_config& cfg,
             broker& pools, std::string request_id, const trace_context& trace,
             chat_request_info info, std::string body,
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

  boost::asio::awaitable<result<lease>> acquire(std::chrono::milliseconds timeout,
                                                std::string avoid);

  /// `limit`, cut short by the request's deadline (1 ms at least, so an expiry still fires).
  std::chrono::milliseconds within_deadline(std::chrono::milliseconds limit) const;

  /// The message of a timeout after waiting `used`: the request deadline's when it cut the
  /// wait short of `limit`, that of `limit_name` otherwise.
  std::string timeout_message(const lease& held, std::chrono::milliseconds limit,
                              std::chrono::milliseconds used, std::string_view limit_name,
                              std::string_view waiting_for) const;

  boost::asio::awaitable<attempt_result> attempt(const lease& held);

  /// Connects (or reuses a pooled connection), sends the request and reads the answer's header.
  boost::asio::awaitable<attempt_result> exchange_head(const lease& held);

  /// Opens a new connection to `peer` (the container `where`'s 127.0.0.1:port) into `upstream_`
  /// within `timeout`: a socket made inside the container's network namespace when it has one
  /// (http/upstream_socket.hpp), with Nagle off.
  boost::asio::awaitable<boost::beast::error_code> open_upstream(
    const endpoint& where, boost::asio::ip::tcp::endpoint peer, std::chrono::milliseconds timeout);

  /// Relays the answer's body to the client, piece by piece.
  boost::asio::awaitable<attempt_result> relay(const lease& held);

  /// Ends a started stream after an upstream failure: an error frame and `data: [DONE]`.
  boost::asio::awaitable<void> end_stream_with_error(const error_info& error);

  boost::asio::awaitable<bool> write_error(const error_info& error);

  /// Gives the attempt's lease back, once: early when the container's answer is complete, or
  /// when the attempt ends.
  void release_once(const lease& held, lease_outcome outcome);

  /// Watches the client socket while the request is served, to notice at once when it goes.
  void watch_client();

  void stop_watching_client();

  void on_client_gone();

  /// Counts a granted lease and keeps what the summary reports of it.
  void note_lease(const lease& held);

  /// Reports how the request ended (request_summary): once, at its end.
  void summarize(std::string_view outcome, errc error);

  boost::beast::tcp_stream& client_;
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

  // -- state of the current attempt --------------------------------------------------------
  std::optional<boost::beast::tcp_stream> upstream_;
  boost::beast::flat_buffer upstream_buffer_;
  using parser_type = boost::beast::http::response_parser<boost::beast::http::buffer_body>;
  std::optional<parser_type> parser_;
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
  };
  std::shared_ptr<client_watch> watch_;
  sse_scanner scanner_;

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

  std::array<char, 16 * 1024> relay_buffer_;
};

} // namespace janus::http
