#pragma once

#include "apps/janus-bench/connection.hpp"
#include "apps/janus-bench/request_record.hpp"
#include "apps/janus-bench/run_context.hpp"
#include "apps/janus-bench/run_outcome.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace janus::bench {

/// One I/O thread's part of a run: an io_context of its own, its clients (closed loop: every
/// client whose number is index mod count) or its share of the schedule (open loop: it takes
/// the next due request from the shared schedule whenever its dispatcher is free) with its own
/// connection pool, and the records and inter-token latencies of the requests it ran (at most
/// its share of max_itl_samples of them; the rest are counted). Nothing in a shard is touched by another thread while it runs, except
/// through stop() and abort(), which post to it.
class shard {
public:
  shard(run_context& context, unsigned index, unsigned count);

  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;

  // -- lifecycle ----------------------------------------------------------------------------

  /// Runs this shard's part of the run on the calling thread until every request it started
  /// has ended.
  void run();

  /// From any thread: start no more requests (waits are cut short); requests in flight go on.
  void stop();

  /// From any thread: cut every request in flight (they are recorded as abandoned timeouts).
  void abort();

  /// From any thread: leave run() at once, whatever is still pending (the last resort).
  void halt();

  // -- results (after run) ------------------------------------------------------------------

  std::vector<request_record>& records() {
    return records_;
  }

  /// The first error message of each class.
  const std::array<std::string, error_class_count>& samples() const {
    return samples_;
  }

  /// Inter-token latencies of the completed streams, µs.
  std::vector<std::uint32_t>& itls() {
    return itls_;
  }

  /// Inter-token latencies not kept (past this shard's share of max_itl_samples).
  std::uint64_t itl_dropped() const {
    return itl_dropped_;
  }

private:
  /// An open-loop request waiting for a connection.
  struct job {
    std::uint64_t sequence = 0;
    bench_clock::time_point scheduled;
  };

  // -- closed loop --------------------------------------------------------------------------

  boost::asio::awaitable<void> client_loop(unsigned client, connection& conn,
                                           boost::asio::steady_timer& timer);

  // -- open loop ----------------------------------------------------------------------------

  boost::asio::awaitable<void> dispatch(boost::asio::steady_timer& timer);

  /// Runs `first` on `conn`, then queued jobs while there are any; then parks `conn` idle.
  boost::asio::awaitable<void> serve(connection* conn, job first);

  // -- both ---------------------------------------------------------------------------------

  /// Adds a completed stream's gaps to the pool, as many as it still has room for.
  void keep_itls(const std::vector<std::uint32_t>& gaps);

  /// Runs one request on `conn` and records it; returns its class.
  boost::asio::awaitable<error_class> run_request(connection& conn, std::uint64_t sequence,
                                                  bench_clock::time_point scheduled);

  run_context& context_;
  unsigned index_;
  unsigned count_;
  boost::asio::io_context io_{1};
  std::vector<std::unique_ptr<connection>> connections_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> timers_;
  /// Open loop: connections with nothing to do, and jobs waiting for one.
  std::vector<connection*> idle_;
  std::deque<job> pending_;
  unsigned max_connections_ = 0;
  std::vector<request_record> records_;
  std::vector<std::uint32_t> itls_;
  std::size_t itl_capacity_ = 0;
  std::uint64_t itl_dropped_ = 0;
  std::array<std::string, error_class_count> samples_;
};

} // namespace janus::bench
