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
#include "http/shard.hpp"
#include "http/sse_scanner.hpp"
#include "model/config.hpp"
#include "model/openai.hpp"

namespace janus::http {

class model_request_metrics;
class request_metrics;

/// One chat-completions request on its way through the engine: lease a container slot, forward
/// the body unchanged over a pooled keep-alive connection, relay the answer piece by piece as it
/// arrives, release the lease with the outcome. A failure before the first upstream byte is
/// retried on another container within the request's deadline; after it, a stream ends with an
/// error frame and `data: [DONE]`. A client that goes away closes the upstream at once. When it
/// ends it reports one summary (log line and metrics: status, outcome, timings).
class chat_proxy {
public:
  using clock = std::chrono::steady_clock;

  chat_proxy(boost::beast::tcp_stream& client, shard& home, const server_config& cfg,
             broker& pools, std::string request_id, chat_request_info info, std::string body,
             bool client_keep_alive, request_metrics* metrics = nullptr);

  ~chat_proxy();

  /// Serves the request; returns whether the client connection may serve another request.
  boost::asio::awaitable<bool> run();

private:
  enum class attempt_status { done, client_gone, failed_before_first_byte, failed_mid_stream };

  struct attempt_result {
    attempt_status status = attempt_status::done;
    error_info error;
  };

  boost::asio::awaitable<result<lease>> acquire(std::chrono::milliseconds timeout,
                                                std::string avoid);

  boost::asio::awaitable<attempt_result> attempt(const lease& held);

  /// Connects (or reuses a pooled connection), sends the request and reads the answer's header.
  boost::asio::awaitable<attempt_result> exchange_head(const lease& held);

  /// Opens a new connection to `target` into `upstream_` within `timeout`: a socket made inside
  /// the container's network namespace when it has one (http/upstream_socket.hpp), connected to
  /// 127.0.0.1:port, with Nagle off.
  boost::asio::awaitable<boost::beast::error_code> open_upstream(const endpoint& target,
                                                                 std::chrono::milliseconds timeout);

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
  chat_request_info info_;
  bool client_keep_alive_;
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
  /// Shared with the pending wait on the client socket, which may complete after this object
  /// is gone: it acts only while `owner` is set.
  struct client_watch {
    chat_proxy* owner = nullptr;
  };
  std::shared_ptr<client_watch> watch_;
  sse_scanner scanner_;

  // -- what the summary reports ------------------------------------------------------------
  model_request_metrics* metrics_ = nullptr;
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
