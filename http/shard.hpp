#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstddef>
#include <thread>
#include <unordered_set>

#include "http/deferred_jobs.hpp"
#include "http/relay_buffers.hpp"
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

  /// Stops the io_context and joins the thread. The handlers still pending are destroyed with
  /// the shard, on the thread that destroys it.
  void stop();

  // -- accessors ----------------------------------------------------------------------------

  boost::asio::io_context& io() noexcept {
    return io_;
  }

  upstream_pool& upstreams() noexcept {
    return upstreams_;
  }

  /// The buffers this shard's chat requests relay answers through.
  relay_buffers& relays() noexcept {
    return relays_;
  }

  /// The client watches of this shard's chat requests, each started server.client_watch_after
  /// after its request came (chat_proxy).
  deferred_jobs& client_watches() noexcept {
    return client_watches_;
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

  // Members are destroyed bottom up, and the order is the shutdown's: the thread is joined
  // (stop()) first; the idle upstream sockets and the timer go while io_ still exists; then io_
  // destroys the handlers still pending (the sessions' coroutines, whose ~session takes itself
  // out of sessions_, and whose chat requests give their relay buffers back): so the registry
  // and the buffers are declared before io_ and outlive it.
  std::size_t index_;
  std::unordered_set<session*> sessions_;
  relay_buffers relays_;
  std::atomic<std::size_t> session_count_{0};
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer prune_timer_;
  deferred_jobs client_watches_;
  upstream_pool upstreams_;
  std::thread thread_;
};

} // namespace janus::http
