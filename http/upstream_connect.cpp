#include "http/upstream_connect.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <vector>

namespace janus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

} // namespace

bool is_upstream_timeout(const beast::error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::operation_aborted;
}

std::string upstream_name(const upstream_url& url) {
  return std::string{url.tls ? "https://" : "http://"} + url.authority;
}

asio::awaitable<std::optional<error_info>> open_upstream_link(
  const asio::any_io_executor& executor, const upstream_peer& peer,
  std::chrono::steady_clock::time_point deadline, upstream_link& link) {
  const auto& upstream = peer.url;
  boost::system::error_code address_error;
  auto address = asio::ip::make_address(upstream.host, address_error);
  std::vector<tcp::endpoint> endpoints;
  if (!address_error) {
    endpoints.emplace_back(address, upstream.port);
  } else {
    tcp::resolver resolver{executor};
    asio::steady_timer limit{executor};
    limit.expires_at(deadline);
    limit.async_wait([&resolver](boost::system::error_code ec) {
      if (!ec) {
        resolver.cancel();
      }
    });
    auto port = std::to_string(upstream.port);
    auto [ec, found] = co_await resolver.async_resolve(upstream.host, port, nothrow);
    limit.cancel();
    if (ec) {
      co_return error_info{is_upstream_timeout(ec) ? errc::upstream_timeout : errc::upstream_failed,
                           "cannot resolve " + upstream.host + ": " + ec.message()};
    }
    for (const auto& entry : found) {
      endpoints.push_back(entry.endpoint());
    }
  }
  if (upstream.tls) {
    link.secure = std::make_unique<upstream_link::tls_stream>(executor, *peer.tls);
  } else {
    link.plain.emplace(executor);
  }
  auto& tcp_layer = link.tcp();
  tcp_layer.expires_at(deadline);
  auto [connect_ec, reached] = co_await tcp_layer.async_connect(endpoints, nothrow);
  if (connect_ec) {
    co_return error_info{is_upstream_timeout(connect_ec) ? errc::upstream_timeout
                                                        : errc::upstream_failed,
                         "cannot connect to " + upstream_name(upstream) + ": "
                           + connect_ec.message()};
  }
  beast::error_code ignored;
  tcp_layer.socket().set_option(tcp::no_delay{true}, ignored);
  if (!upstream.tls) {
    co_return std::nullopt;
  }
  auto* ssl = link.secure->native_handle();
  if (address_error) {
    // SNI: only names, never addresses (RFC 6066).
    ::SSL_set_tlsext_host_name(ssl, upstream.host.c_str());
  }
  link.secure->set_verify_mode(asio::ssl::verify_peer);
  link.secure->set_verify_callback(asio::ssl::host_name_verification(upstream.host));
  tcp_layer.expires_at(deadline);
  auto [handshake_ec] = co_await link.secure->async_handshake(asio::ssl::stream_base::client,
                                                              nothrow);
  if (handshake_ec) {
    auto verified = ::SSL_get_verify_result(ssl);
    std::string why = verified != X509_V_OK
                        ? "certificate not verified against " + std::string{peer.trust} + ": "
                            + ::X509_verify_cert_error_string(verified)
                        : "TLS handshake failed: " + handshake_ec.message();
    co_return error_info{is_upstream_timeout(handshake_ec) ? errc::upstream_timeout
                                                        : errc::upstream_failed,
                         upstream_name(upstream) + ": " + why};
  }
  co_return std::nullopt;
}

std::shared_ptr<asio::ssl::context> make_client_tls(const std::string& ca_file, bool system_store) {
  namespace ssl = asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                       | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                       | ssl::context::no_tlsv1_1);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (system_store) {
    context->set_default_verify_paths(ec);
    if (ec) {
      throw std::runtime_error("cannot load the system CA store: " + ec.message());
    }
  }
  if (!ca_file.empty()) {
    context->load_verify_file(ca_file, ec);
    if (ec) {
      throw std::runtime_error("cannot load " + ca_file + ": " + ec.message());
    }
  }
  return context;
}

} // namespace janus::http
