#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "http/broker.hpp"
#include "http/session.hpp"
#include "http/shard.hpp"
#include "model/config.hpp"

namespace janus::http {

/// The engine's HTTP server: one acceptor, one shard (thread + io_context) per I/O thread,
/// connections handed to the shards in turn. Shutdown is a gate: stop accepting, let requests in
/// flight finish within the drain timeout, then close what is left. At most
/// `server.max_connections` client connections are open: one past it gets a 503 and is closed.
/// Out of descriptors, accepting backs off on a timer (never a sleep on a shard's thread) and
/// resumes by itself once descriptors are free.
class server {
public:
  /// Binds the listening socket at once (so a port in use fails start-up with a clear error).
  server(const server_config& cfg, broker& pools, server_hooks hooks);

  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // -- lifecycle ----------------------------------------------------------------------------

  /// Starts the I/O threads and accepting.
  void start();

  /// Stops accepting, closes idle connections, waits until every connection has finished its
  /// request or `timeout` passed, then closes the rest. Blocks the calling thread (main).
  /// Returns the number of connections that had to be closed while busy.
  std::size_t drain(std::chrono::milliseconds timeout);

  /// Stops the I/O threads.
  void stop();

  // -- accessors ----------------------------------------------------------------------------

  /// The port actually bound (useful when configured as 0 in tests).
  std::uint16_t port() const noexcept {
    return port_;
  }

  /// Client connections open over all shards.
  std::size_t connection_count() const;

private:
  void accept();

  /// Hands an accepted connection to its shard: a session, or the 503 past max_connections.
  void admit(boost::asio::ip::tcp::socket socket, shard& target);

  /// Accepting failed for want of descriptors (or memory): log, wait, try again.
  void back_off(const boost::system::error_code& ec);

  const server_config& cfg_;
  broker& pools_;
  server_hooks hooks_;
  /// Connections admitted and not yet closed (sessions hold a connection_slot of it).
  std::shared_ptr<connection_slot::counter> open_connections_;
  /// Connections being refused (503) right now: bounded, so a flood cannot hold descriptors.
  std::shared_ptr<connection_slot::counter> refusing_;
  std::vector<std::unique_ptr<shard>> shards_;
  boost::asio::ip::tcp::acceptor acceptor_;
  /// Paces accept attempts while janusd is out of descriptors (on the acceptor's thread).
  boost::asio::steady_timer accept_retry_;
  std::chrono::milliseconds accept_backoff_{0};
  std::uint16_t port_ = 0;
  std::size_t next_shard_ = 0;
  /// When running out of descriptors was last logged (at most once a second).
  std::chrono::steady_clock::time_point fds_warned_{};
  std::atomic<bool> accepting_{false};
};

} // namespace janus::http
