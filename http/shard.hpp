#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstddef>
#include <thread>
#include <unordered_set>

#include "http/upstream_pool.hpp"
#include "model/config.hpp"

namespace janus::http {

class session;

/// One I/O thread with its own io_context: the sessions accepted onto it and their upstream
/// connections stay on this thread for their whole life, so none of their state needs a lock.
class shard {
public:
  shard(const server_config& cfg, std::size_t index);

  ~shard();

  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;

  // -- lifecycle ----------------------------------------------------------------------------

  /// Starts the thread.
  void start();

  /// Asks every session to finish its current request and close (runs on the shard's thread).
  void drain_sessions();

  /// Closes every session at once (runs on the shard's thread).
  void close_sessions();

  /// Stops the io_context and joins the thread.
  void stop();

  // -- accessors ----------------------------------------------------------------------------

  boost::asio::io_context& io() noexcept {
    return io_;
  }

  upstream_pool& upstreams() noexcept {
    return upstreams_;
  }

  std::size_t index() const noexcept {
    return index_;
  }

  /// Open client connections; readable from any thread.
  std::size_t session_count() const noexcept {
    return session_count_.load(std::memory_order_relaxed);
  }

  // -- session registry (shard thread only) -------------------------------------------------

  void add(session* s);

  void remove(session* s);

private:
  void schedule_prune();

  std::size_t index_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer prune_timer_;
  upstream_pool upstreams_;
  std::unordered_set<session*> sessions_;
  std::atomic<std::size_t> session_count_{0};
  std::thread thread_;
};

} // namespace janus::http
