#pragma once

#include "apps/janus-baseline/baseline_options.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace janus::baseline {

class connection;

/// The current unix time in seconds, the `created` of answers unless configured.
inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// The HTTP listener of janus-baseline, the state its connections share (options, the health
/// flag) and the shutdown gate: once stopping, no connection is accepted, idle ones are closed,
/// and in-flight requests get `shutdown_grace` to finish before they are aborted.
///
/// Runs on a single-threaded io_context; every member is touched from that thread only.
class server {
public:
  /// How long in-flight requests may run on after stop() before they are aborted.
  static constexpr std::chrono::seconds shutdown_grace{2};

  server(boost::asio::io_context& io, baseline_options options);

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // -- lifecycle ----------------------------------------------------------------------------

  /// Waits the start-up delay, listens, logs the address and accepts until stop(). Throws
  /// std::runtime_error naming the address when it cannot listen.
  boost::asio::awaitable<void> run();

  /// Starts the shutdown; idempotent. The io_context runs out of work once every connection
  /// has ended, at most `shutdown_grace` later.
  void stop();

  // -- state shared by the connections --------------------------------------------------------

  /// The options the process was started with.
  const baseline_options& options() const {
    return options_;
  }

  /// Whether GET /health answers 200 (true) or 503.
  bool healthy() const {
    return healthy_;
  }

  /// Sets what GET /health answers from now on (POST /_baseline/health).
  void set_healthy(bool healthy) {
    healthy_ = healthy;
  }

  /// True once stop() was called: connections finish their request and close.
  bool stopping() const {
    return stopping_;
  }

  /// The unix time the process started, the `created` of /v1/models unless configured.
  std::int64_t started_at() const {
    return started_at_;
  }

  /// Closes the listening socket for good (POST /_baseline/stop_listening): new connections are
  /// refused while the process, its open connections and its health flag stay, like a model
  /// server whose listener died. Until stop(), the process keeps running.
  void stop_listening();

  /// Counts one chat-completions request read in full, whatever became of it (GET
  /// /_baseline/stats reports the count: tests see how often a request reached the model).
  void count_chat_request() {
    ++chat_requests_;
  }

  std::uint64_t chat_requests() const {
    return chat_requests_;
  }

private:
  void listen();
  void start_connection(boost::asio::ip::tcp::socket socket);
  void forget_connection(std::uint64_t id);

  boost::asio::io_context& io_;
  baseline_options options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  /// The start-up delay, then the back-off after a failed accept.
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer grace_timer_;
  std::unordered_map<std::uint64_t, std::shared_ptr<connection>> connections_;
  std::uint64_t next_connection_id_ = 0;
  std::int64_t started_at_;
  bool healthy_ = true;
  bool stopping_ = false;
  bool listening_ = true;
  std::uint64_t chat_requests_ = 0;
};

} // namespace janus::baseline
