#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "http/upstream_link.hpp"
#include "model/errc.hpp"
#include "model/platform.hpp"

namespace janus::http {

/// An upstream of janusd's own configuration (a platform route's, a model's fallback): where it
/// is and, for https, what verifies it.
struct upstream_peer {
  const upstream_url& url;
  /// The TLS client context for https (peer verification on); unused for http.
  boost::asio::ssl::context* tls = nullptr;
  /// What verifies its certificate, for messages: `the system CA store`, `CA file /x.pem`.
  std::string_view trust;
};

/// Whether an upstream operation failed at its deadline: a stream's timeout, or the operation
/// aborted by the deadline's cancellation.
bool is_upstream_timeout(const boost::system::error_code& ec);

/// `http://host:port` / `https://host:port`: the upstream's name for messages (no path, no
/// credentials).
std::string upstream_name(const upstream_url& url);

/// Opens `link` to `peer` by `deadline`: resolves a name (an address is used as is), connects
/// (Nagle off) and for https does the TLS handshake, verifying the certificate and the host name
/// (SNI for names). A failure is upstream_timeout at the deadline, upstream_failed otherwise,
/// with a message naming the upstream and, for a certificate, what it was verified against.
boost::asio::awaitable<std::optional<error_info>> open_upstream_link(
  const boost::asio::any_io_executor& executor, const upstream_peer& peer,
  std::chrono::steady_clock::time_point deadline, upstream_link& link);

/// The TLS client context for https upstreams: TLS 1.2 at least, peer verification, trusting the
/// system store when `system_store`, and `ca_file` when set. Throws std::runtime_error saying
/// which could not be loaded.
std::shared_ptr<boost::asio::ssl::context> make_client_tls(const std::string& ca_file,
                                                           bool system_store);

} // namespace janus::http
