#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace janus::test {

/// HTTP header fields by lower-case name; repeated fields are joined with ", ".
using header_map = std::map<std::string, std::string>;

/// A whole HTTP response.
struct http_result {
  unsigned status = 0;
  header_map headers;
  std::string body;

  /// The value of header `name` (any case), "" when absent.
  std::string header(std::string_view name) const;
};

/// One piece of a response body as it came off the socket (chunk framing removed).
struct body_piece {
  std::chrono::steady_clock::time_point at;
  std::string data;
};

/// One server-sent event, with the time its last byte arrived.
struct sse_frame {
  std::chrono::steady_clock::time_point at;
  /// The frame's text without the blank line that ends it, e.g. `data: {...}`.
  std::string text;
};

/// How a streaming request reads, and when it hangs up.
struct stream_options {
  /// Close the connection once at least this many body bytes arrived.
  std::optional<std::size_t> close_after_bytes;
  /// Close the connection once at least this many complete SSE frames arrived.
  std::optional<std::size_t> close_after_frames;
  /// Longest wait for any single read or write.
  std::chrono::milliseconds timeout{30'000};
  /// Called on the reading thread as each SSE frame completes, e.g. to act once a stream
  /// is known to be in flight.
  std::function<void(const sse_frame&)> on_frame;
};

/// A response read incrementally: every piece and every SSE frame with its arrival time.
struct stream_result {
  unsigned status = 0;
  header_map headers;
  /// All body bytes received, chunk framing removed.
  std::string body;
  std::vector<body_piece> pieces;
  /// The complete SSE frames of `body` (split at "\n\n").
  std::vector<sse_frame> frames;
  /// When the request was sent, and when the response header arrived.
  std::chrono::steady_clock::time_point sent_at;
  std::chrono::steady_clock::time_point headers_at;
  /// True when the body ended as HTTP says it should (e.g. the last chunk arrived).
  bool complete = false;
  /// True when the client hung up on purpose (stream_options::close_after_*).
  bool closed_by_client = false;
  /// Why the body ended early when the server or the network ended it; "" otherwise.
  std::string error;

  /// The value of header `name` (any case), "" when absent.
  std::string header(std::string_view name) const;
};

/// A synchronous HTTP/1.1 client of one server on 127.0.0.1, for tests. It keeps its
/// connection open between requests (keep-alive) and opens a new one only when there is
/// none, so connection_count() shows whether the server kept the connection.
///
/// Transport failures (refused, reset before the response header, timeout) throw
/// std::system_error; HTTP error statuses are ordinary results.
class http_client {
public:
  /// A client of 127.0.0.1:`port`; `timeout` bounds each connect, read and write.
  explicit http_client(std::uint16_t port,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// GET `target` (path and query).
  http_result get(std::string_view target, const header_map& headers = {});

  /// POST `body` to `target` with Content-Type: application/json.
  http_result post_json(std::string_view target, std::string_view body,
                        const header_map& headers = {});

  /// Any method, e.g. "PUT"; `body` is sent with a Content-Length when not empty.
  http_result request(std::string_view method, std::string_view target, std::string_view body,
                      const header_map& headers = {});

  /// POST `body` to `target` and read the response body as it arrives; errors after the
  /// response header are reported in the result, not thrown.
  stream_result post_json_streaming(std::string_view target, std::string_view body,
                                    const stream_options& options = {},
                                    const header_map& headers = {});

  /// Whether the client holds an open connection.
  bool is_open() const;

  /// How many TCP connections the client has opened so far.
  std::size_t connection_count() const;

  /// Closes the connection, if open.
  void close();

private:
  class impl;
  std::unique_ptr<impl> impl_;
};

/// GET on a fresh connection to 127.0.0.1:`port`.
http_result get(std::uint16_t port, std::string_view target, const header_map& headers = {});

/// POST JSON on a fresh connection to 127.0.0.1:`port`.
http_result post_json(std::uint16_t port, std::string_view target, std::string_view body,
                      const header_map& headers = {});

/// A streaming POST on a fresh connection to 127.0.0.1:`port` (see http_client).
stream_result post_json_streaming(std::uint16_t port, std::string_view target,
                                  std::string_view body, const stream_options& options = {},
                                  const header_map& headers = {});

/// The payloads of the `data:` lines of an SSE body, in order, without "data: ".
std::vector<std::string> sse_data_lines(std::string_view body);

} // namespace janus::test
