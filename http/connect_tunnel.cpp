#include "http/connect_tunnel.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <vector>

#include "http/platform_context.hpp"
#include "http/platform_endpoint.hpp"
#include "http/platform_replies.hpp"
#include "http/platform_shared.hpp"
#include "model/platform.hpp"

namespace janus::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

std::vector<std::uint8_t> bytes_of(const asio::ip::address& address) {
  if (address.is_v4()) {
    auto b = address.to_v4().to_bytes();
    return {b.begin(), b.end()};
  }
  auto b = address.to_v6().to_bytes();
  return {b.begin(), b.end()};
}

/// The time of the last byte either way, shared by a tunnel's two directions and its watchdog.
struct tunnel_clock {
  std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
  bool done = false;
};

/// Copies from `from` to `to` until either ends; counts what it carried.
asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to, tunnel_clock& clock,
                           std::uint64_t& carried) {
  std::array<char, 16 * 1024> data;
  while (true) {
    auto [ec, n] = co_await from.async_read_some(asio::buffer(data), nothrow);
    if (n > 0) {
      clock.last_activity = std::chrono::steady_clock::now();
      auto [wec, wn] = co_await asio::async_write(to, asio::buffer(data.data(), n), nothrow);
      carried += wn;
      clock.last_activity = std::chrono::steady_clock::now();
      if (wec) {
        break;
      }
    }
    if (ec) {
      break;
    }
  }
  // Either side's end ends the tunnel: the other direction's read returns at once.
  boost::system::error_code ignored;
  from.shutdown(tcp::socket::shutdown_both, ignored);
  to.shutdown(tcp::socket::shutdown_both, ignored);
}

/// Closes both sides once nothing moved for `idle` either way, or at `end`.
asio::awaitable<void> watchdog(tcp::socket& a, tcp::socket& b, tunnel_clock& clock,
                               std::chrono::milliseconds idle,
                               std::chrono::steady_clock::time_point end) {
  asio::steady_timer timer{a.get_executor()};
  while (true) {
    auto now = std::chrono::steady_clock::now();
    auto idle_end = clock.last_activity + idle;
    if (now >= idle_end || now >= end) {
      break;
    }
    timer.expires_at(std::min(idle_end, end));
    auto [ec] = co_await timer.async_wait(nothrow);
    if (ec) {
      co_return; // cancelled: the tunnel ended by itself
    }
  }
  boost::system::error_code ignored;
  a.shutdown(tcp::socket::shutdown_both, ignored);
  b.shutdown(tcp::socket::shutdown_both, ignored);
}

} // namespace

connect_tunnel::connect_tunnel(beast::tcp_stream& client, beast::flat_buffer& buffer,
                               platform_endpoint& endpoint, std::string request_id)
  : client_(client), buffer_(buffer), endpoint_(endpoint), request_id_(std::move(request_id)) {
}

asio::awaitable<tunnel_outcome> connect_tunnel::refuse(tunnel_outcome outcome,
                                                       std::string_view result) {
  endpoint_.shared().metrics.count_egress(endpoint_.owner().model, result);
  errc code = outcome.status == 403   ? errc::egress_denied
              : outcome.status == 504 ? errc::upstream_timeout
              : outcome.status == 400 ? errc::invalid_request
                                      : errc::upstream_failed;
  error_info error{code, outcome.detail};
  co_await write_platform_error(client_, error, request_id_, false, std::chrono::seconds(10));
  co_return outcome;
}

asio::awaitable<tunnel_outcome> connect_tunnel::run(std::string_view target_text) {
  auto& shared = endpoint_.shared();
  const auto& egress = shared.config.egress;
  tunnel_outcome outcome;
  auto target = parse_connect_target(target_text);
  if (!target) {
    outcome.status = 400;
    outcome.detail = target.error().message;
    co_return co_await refuse(std::move(outcome), "denied");
  }
  const auto* pattern = find_egress_pattern(shared.egress, target.value());
  if (pattern == nullptr) {
    outcome.status = 403;
    outcome.detail = "CONNECT " + std::string{target_text}
                     + " is not allowed (platform.egress.allow)";
    co_return co_await refuse(std::move(outcome), "denied");
  }
  auto& io = endpoint_.home().io();
  auto deadline = asio::steady_timer::clock_type::now() + egress.connect_timeout;
  std::vector<tcp::endpoint> candidates;
  boost::system::error_code literal_error;
  auto literal = asio::ip::make_address(target.value().host, literal_error);
  if (!literal_error) {
    candidates.emplace_back(literal, target.value().port);
  } else {
    tcp::resolver resolver{io};
    asio::steady_timer limit{io};
    limit.expires_at(deadline);
    limit.async_wait([&resolver](boost::system::error_code ec) {
      if (!ec) {
        resolver.cancel();
      }
    });
    auto port = std::to_string(target.value().port);
    auto [ec, found] = co_await resolver.async_resolve(target.value().host, port, nothrow);
    limit.cancel();
    if (ec) {
      outcome.status = 502;
      outcome.detail = "cannot resolve " + target.value().host + ": " + ec.message();
      co_return co_await refuse(std::move(outcome), "failed");
    }
    std::string internal;
    for (const auto& entry : found) {
      auto address = entry.endpoint().address();
      if (is_internal_address(bytes_of(address)) && !pattern->literal_address) {
        internal = address.to_string();
        continue;
      }
      candidates.push_back(entry.endpoint());
    }
    if (candidates.empty()) {
      outcome.status = 403;
      outcome.detail = target.value().host + " resolves to " + internal
                       + ", a loopback, link-local or private address: allowed only when a "
                         "pattern names that address";
      co_return co_await refuse(std::move(outcome), "denied");
    }
  }
  beast::tcp_stream remote{io};
  remote.expires_at(deadline);
  auto [connect_ec, reached] = co_await remote.async_connect(candidates, nothrow);
  if (connect_ec) {
    bool timed_out = connect_ec == beast::error::timeout;
    outcome.status = timed_out ? 504 : 502;
    outcome.detail = "cannot connect to " + std::string{target_text} + ": " + connect_ec.message();
    co_return co_await refuse(std::move(outcome), "failed");
  }
  beast::error_code ignored;
  remote.socket().set_option(tcp::no_delay{true}, ignored);
  constexpr std::string_view established = "HTTP/1.1 200 Connection established\r\n\r\n";
  client_.expires_after(std::chrono::seconds(10));
  auto [ok_ec, ok_n] = co_await asio::async_write(client_, asio::buffer(established), nothrow);
  if (ok_ec) {
    outcome.status = 200;
    outcome.detail = "the container left";
    co_return outcome;
  }
  shared.metrics.count_egress(endpoint_.owner().model, "allowed");
  outcome.status = 200;
  // Bytes the container sent right behind its CONNECT head (a TLS ClientHello) go first.
  if (buffer_.size() > 0) {
    remote.expires_after(egress.idle_timeout);
    auto [early_ec, early_n] = co_await asio::async_write(remote, buffer_.data(), nothrow);
    outcome.from_container += early_n;
    buffer_.consume(buffer_.size());
  }
  auto end = std::chrono::steady_clock::now() + egress.total_timeout;
  tunnel_clock clock;
  auto& inside = client_.socket();
  auto& outside = remote.socket();
  using namespace asio::experimental::awaitable_operators;
  co_await ((pump(inside, outside, clock, outcome.from_container)
             && pump(outside, inside, clock, outcome.to_container))
            || watchdog(inside, outside, clock, egress.idle_timeout, end));
  shared.metrics.count_tunnel_bytes(endpoint_.owner().model, outcome.from_container,
                                    outcome.to_container);
  outcome.detail = "tunnel to " + std::string{target_text} + " closed";
  co_return outcome;
}

} // namespace janus::http
