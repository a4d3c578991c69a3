#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/platform_deadline.hpp"
#include "http/trace_context.hpp"
#include "model/errc.hpp"

namespace janus::http {

class platform_endpoint;

/// One connection from a container to its platform endpoint: reads requests with limits,
/// checks the container's token, picks the route, applies the model's limits on it and
/// forwards the call (platform_proxy), or opens an egress tunnel for CONNECT
/// (connect_tunnel). Every call ends in one log line and its metrics. Lives on its endpoint's
/// thread; lifetime is shared_from_this().
class platform_session : public std::enable_shared_from_this<platform_session> {
public:
  platform_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<platform_endpoint> home);

  ~platform_session();

  void start();

  /// Closes the connection at once (the endpoint closes).
  void close();

private:
  using parser_type = boost::beast::http::request_parser<boost::beast::http::string_body>;

  /// What one call did, for its log line and metrics.
  struct call_record {
    std::string route = "unmatched";
    std::string method;
    std::string path;
    std::string request_id;
    /// The call's trace: what the container sent, continued with janusd's span, or a new one.
    trace_context trace = next_hop({}, {});
    unsigned status = 0;
    std::uint64_t request_bytes = 0;
    std::uint64_t response_bytes = 0;
    std::string detail;
    std::chrono::steady_clock::time_point began = std::chrono::steady_clock::now();
  };

  boost::asio::awaitable<void> run();

  /// Serves one request whose header is read; returns whether the connection may go on.
  boost::asio::awaitable<bool> serve(parser_type& parser, call_record& call);

  /// Reads the rest of the request (its body, within `limit` bytes).
  boost::asio::awaitable<std::optional<error_info>> read_body(parser_type& parser,
                                                              std::size_t limit);

  /// Writes an error as its OpenAI answer; returns whether the connection may go on.
  boost::asio::awaitable<bool> send_error(const error_info& error, call_record& call,
                                          bool keep_alive);

  boost::asio::awaitable<bool> send_json(unsigned status, std::string body, call_record& call,
                                         bool keep_alive);

  void report(const call_record& call) const;

  boost::beast::tcp_stream client_;
  /// Every deadline of the connection: the hot path reads and writes client_.socket() without
  /// the stream's per-operation timers; answers of our own (errors, health) use those still.
  platform_deadline deadline_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<platform_endpoint> home_;
  bool closed_ = false;
};

} // namespace janus::http
