#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace janus::http {

class platform_endpoint;

/// How a CONNECT ended, for its log line.
struct tunnel_outcome {
  /// 200 when the tunnel opened, else the refusal's status (403, 502, 504).
  unsigned status = 0;
  std::uint64_t from_container = 0;
  std::uint64_t to_container = 0;
  std::string detail;
};

/// One HTTP CONNECT of a container: allowed only for targets that `platform.egress.allow`
/// lists; the name is resolved here and refused (403) when it leads to a loopback, link-local
/// or private address, unless the pattern names that address itself. Then bytes go both ways
/// until either side closes, the tunnel is idle for `egress.idle_timeout`, or
/// `egress.total_timeout` passes. Refusals are logged and counted
/// (`janus_platform_egress_total`).
class connect_tunnel {
public:
  /// `buffer`: what was read past the CONNECT request's head (sent on first).
  connect_tunnel(boost::beast::tcp_stream& client, boost::beast::flat_buffer& buffer,
                 platform_endpoint& endpoint, std::string request_id);

  boost::asio::awaitable<tunnel_outcome> run(std::string_view target);

private:
  boost::asio::awaitable<tunnel_outcome> refuse(tunnel_outcome outcome, std::string_view result);

  boost::beast::tcp_stream& client_;
  boost::beast::flat_buffer& buffer_;
  platform_endpoint& endpoint_;
  std::string request_id_;
};

} // namespace janus::http
