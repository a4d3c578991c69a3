#pragma once

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>
#include <optional>

namespace janus::http {

/// One connection from the platform server to a route's upstream: plain TCP or TLS over TCP.
/// Exactly one of the two is set.
struct upstream_link {
  using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  std::optional<boost::beast::tcp_stream> plain;
  std::unique_ptr<tls_stream> secure;
  /// When it was last given back to the idle pool.
  std::chrono::steady_clock::time_point idle_since{};

  /// The TCP layer under either kind.
  boost::beast::tcp_stream& tcp() {
    return plain ? *plain : secure->next_layer();
  }
};

} // namespace janus::http
