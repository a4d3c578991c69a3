#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/http_client.hpp"

namespace janus::test {

/// One response as it came off a raw connection.
struct raw_response {
  unsigned status = 0;
  /// Header fields by lower-case name; repeated fields joined with ", ".
  header_map headers;
  /// The body, chunk framing removed.
  std::string body;
  /// How the body was delimited.
  bool chunked = false;
  bool close_delimited = false;

  /// The value of header `name` (any case), "" when absent.
  std::string header(std::string_view name) const;
};

/// A plain TCP connection to 127.0.0.1 for tests that must send bytes no HTTP client would
/// (smuggling attempts, slow heads, HTTP/1.0) and see exactly what comes back and when the
/// server closes. Every wait has a deadline; nothing throws after the connect.
class raw_connection {
public:
  /// Connects to 127.0.0.1:`port`; throws std::system_error when it cannot.
  explicit raw_connection(std::uint16_t port);
  ~raw_connection();

  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  /// Sends all of `bytes`; false when the connection failed (reset, closed).
  bool send(std::string_view bytes);

  /// Reads one response (an interim 1xx one included) within `timeout`: the head, then the body
  /// as its framing says (none for a `head_request` answer, 1xx, 204 and 304). nullopt when the
  /// connection closed or the time ran out before the response was complete, or when the bytes
  /// do not start with a status line.
  std::optional<raw_response> read_response(std::chrono::milliseconds timeout,
                                            bool head_request = false);

  /// Waits up to `timeout` for the server to close (EOF or reset), reading and keeping what
  /// comes before; true when it closed.
  bool closed_within(std::chrono::milliseconds timeout);

  /// Whether bytes arrive within `timeout` (they are kept for the next read).
  bool data_within(std::chrono::milliseconds timeout);

  /// Bytes received and not yet consumed by read_response.
  const std::string& pending() const {
    return buffer_;
  }

  /// Whether the server closed the connection (seen by a read).
  bool peer_closed() const {
    return peer_closed_;
  }

  /// Closes the connection.
  void close();

private:
  /// Reads what is available within `deadline` into buffer_; false on EOF, error or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
  bool peer_closed_ = false;
};

} // namespace janus::test
