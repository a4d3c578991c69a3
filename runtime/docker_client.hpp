#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/verb.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace janus::docker {

/// One answer of the Docker Engine API, or why none came.
struct api_response {
  /// The HTTP status; 0 when no answer came (see `error`).
  unsigned status = 0;
  std::string body;
  /// Why no answer came, e.g. "No such file or directory" or "no answer within 30000 ms".
  std::string error;
  /// The socket asked, for messages.
  std::string socket_path;
  /// Whether the whole request reached the daemon: a call that got no answer may still have
  /// taken effect (e.g. a create that timed out).
  bool sent = false;
  /// The `Server` (e.g. "Docker/20.10.24 (linux)") and `Api-Version` headers.
  std::string server;
  std::string api_version;

  /// The daemon's own message when it answered (its JSON `message`), otherwise the transport
  /// failure with the socket, e.g. "no Docker engine answers at /var/run/docker.sock: No such
  /// file or directory".
  std::string message() const;
};

/// A client of the Docker Engine API on its unix socket. Every call opens its own connection
/// (cheap on a unix socket, and a daemon restart costs nothing), carries the API version prefix,
/// and ends within its timeout. Calls are coroutines on the caller's executor and never throw
/// for an I/O failure: it is in the answer.
class client {
public:
  client(std::string socket_path, std::chrono::milliseconds timeout);

  /// `method path` with `body` (JSON, may be empty), within the client's timeout. `path` is
  /// without the version prefix, e.g. "/containers/json?all=1". The views must stay valid
  /// until the call completes.
  boost::asio::awaitable<api_response> call(boost::beast::http::verb method,
                                            std::string_view path, std::string_view body) const;

  /// The same with its own timeout (a stop waits the grace period on top).
  boost::asio::awaitable<api_response> call(boost::beast::http::verb method,
                                            std::string_view path, std::string_view body,
                                            std::chrono::milliseconds timeout) const;

  const std::string& socket_path() const noexcept {
    return socket_path_;
  }

  std::chrono::milliseconds timeout() const noexcept {
    return timeout_;
  }

  /// `path` with the version prefix: "/v1.41" + path.
  static std::string versioned(std::string_view path);

private:
  std::string socket_path_;
  std::chrono::milliseconds timeout_;
};

/// A GET whose answer never ends (the events stream): the header arrives within the client's
/// timeout, then the body comes piece by piece for as long as the daemon keeps it open.
class response_stream {
public:
  explicit response_stream(const boost::asio::any_io_executor& executor);

  /// Connects, sends `GET path` and reads the answer's header; the answer has the status and,
  /// unless it is 200, the error body.
  boost::asio::awaitable<api_response> open(const client& api, std::string_view path);

  /// The same for `method path` with `headers` (e.g. X-Registry-Auth; held by the call) and no
  /// body; everything, connect to header (and an error body), within `timeout`.
  boost::asio::awaitable<api_response> open(
    const client& api, boost::beast::http::verb method, std::string_view path,
    std::vector<std::pair<std::string, std::string>> headers,
    std::chrono::milliseconds timeout);

  /// Every read from now on ends by `deadline` (next() then fails with a timeout); without it,
  /// reads after open() wait for as long as the daemon keeps the stream open.
  void expires_at(std::chrono::steady_clock::time_point deadline);

  /// Whether the whole answer arrived (the daemon ended it, rather than the connection failing).
  bool complete() const {
    return parser_.is_done();
  }

  /// The next piece of the body; nullopt when the stream ended or failed (see error()).
  boost::asio::awaitable<std::optional<std::string>> next();

  /// Why the stream ended.
  const std::string& error() const noexcept {
    return error_;
  }

  /// Closes the connection; a pending next() ends.
  void close();

private:
  using stream_type = boost::beast::basic_stream<boost::asio::local::stream_protocol>;

  stream_type stream_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::response_parser<boost::beast::http::buffer_body> parser_;
  std::array<char, 16 * 1024> chunk_{};
  std::string error_;
};

} // namespace janus::docker
