#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "http/trace_context.hpp"
#include "http/upstream_link.hpp"
#include "model/errc.hpp"

namespace janus::http {

class platform_context;
class platform_deadline;
struct platform_target;

/// How a forwarded call ended, for its log line and metrics.
struct proxy_outcome {
  /// The status sent to the container (0: none could be sent).
  unsigned status = 0;
  bool keep_alive = false;
  std::uint64_t response_bytes = 0;
  /// Why it failed, when it did.
  std::string detail;
};

/// One container call forwarded to its route's upstream: the container's request with the
/// route's credentials injected (its own Authorization never leaves janusd), over a pooled
/// keep-alive connection (TLS verified, with SNI, for https), and the answer relayed piece by
/// piece as it arrives (SSE streams stay streams). One deadline, the route's timeout, bounds
/// the whole call. Failures before the answer's header are OpenAI errors (502, 504). The call
/// goes on as the next hop of its trace: `traceparent` names janusd's span for it, `tracestate`
/// is passed when forwardable (http/trace_context.hpp).
class platform_proxy {
public:
  using request_type = boost::beast::http::request<boost::beast::http::string_body>;
  using clock = std::chrono::steady_clock;

  /// `deadline`: the connection's, which bounds the call by the route's timeout.
  platform_proxy(boost::beast::tcp_stream& client, platform_deadline& deadline,
                 platform_context& home,
                 const platform_target& target, std::size_t route, request_type& request,
                 std::string upstream_path, std::string request_id, const trace_context& trace,
                 bool keep_alive);

  boost::asio::awaitable<proxy_outcome> run();

private:
  /// Connects a new link (and does the TLS handshake for https).
  boost::asio::awaitable<std::optional<error_info>> open_link(upstream_link& link);

  /// run() without the deadline's phase.
  boost::asio::awaitable<proxy_outcome> forward();

  /// Sends the request and reads the answer's header.
  template <class Stream>
  boost::asio::awaitable<boost::beast::error_code> exchange(Stream& upstream);

  template <class Stream>
  boost::asio::awaitable<proxy_outcome> relay(Stream& upstream, std::unique_ptr<upstream_link>& link);

  boost::asio::awaitable<proxy_outcome> fail(const error_info& error);

  /// The upstream's name for messages: `https://host:port`.
  std::string upstream_name() const;

  boost::beast::tcp_stream& client_;
  platform_deadline& watch_;
  platform_context& home_;
  const platform_target& target_;
  std::size_t route_;
  request_type& request_;
  std::string request_id_;
  bool keep_alive_;
  clock::time_point deadline_;
  std::string head_;

  boost::beast::flat_buffer upstream_buffer_;
  using parser_type = boost::beast::http::response_parser<boost::beast::http::buffer_body>;
  std::optional<parser_type> parser_;
  std::array<char, 16 * 1024> relay_buffer_;
};

} // namespace janus::http
