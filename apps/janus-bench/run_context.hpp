#pragma once

#include "apps/janus-bench/arrival_schedule.hpp"
#include "apps/janus-bench/bench_options.hpp"
#include "apps/janus-bench/load_profile.hpp"
#include "apps/janus-bench/model_picker.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace janus::bench {

using bench_clock = std::chrono::steady_clock;

/// Live counts of a run, written by the I/O threads and read by the progress line.
struct run_counters {
  std::atomic<std::uint64_t> started{0};
  std::atomic<std::uint64_t> finished{0};
  std::atomic<std::uint64_t> ok{0};
  std::atomic<std::uint64_t> connect_failures{0};
  std::atomic<bool> connected_once{false};
};

/// An open-loop request: its number and when it is due, from the start of the run.
struct arrival {
  std::uint64_t sequence = 0;
  std::chrono::microseconds due{0};
};

/// What every shard of a run shares: the settings, the prepared requests, the clock origin,
/// the request numbering, the open-loop schedule and the stop flag. Immutable after start
/// except the atomics and the schedule (behind its mutex).
struct run_context {
  bench_options options;
  /// The target's addresses, resolved once before the run.
  boost::asio::ip::tcp::resolver::results_type endpoints;
  /// One complete HTTP request per model (header and body).
  std::vector<std::string> requests;
  std::vector<std::string> model_names;
  model_picker picker;
  load_profile profile;

  bench_clock::time_point start;
  /// start + window + drain: no request lives past it (time_point::max() without a window).
  bench_clock::time_point drain_deadline = bench_clock::time_point::max();

  run_counters counters;
  /// Set once no new request may start (end of window, request limit, Ctrl-C, fail-fast).
  std::atomic<bool> stopping{false};
  /// Set when requests in flight are being cut (a second Ctrl-C or the hard cap).
  std::atomic<bool> aborting{false};
  /// Called (from any thread) when a shard decides the whole run must stop sending.
  std::function<void()> on_stop_request;

  explicit run_context(bench_options opts);

  /// The next request number, or none when the --requests limit is reached.
  std::optional<std::uint64_t> claim();

  /// Open loop, from any shard: the next request of the schedule (in order of due time, each
  /// once), or none when the schedule has ended.
  std::optional<arrival> next_arrival();

  /// Open loop: how many requests the schedule holds, when known up front.
  std::optional<std::uint64_t> schedule_size() const;

  /// Microseconds from the start of the run to `at`.
  std::int64_t since_start(bench_clock::time_point at) const {
    return std::chrono::duration_cast<std::chrono::microseconds>(at - start).count();
  }

private:
  std::atomic<std::uint64_t> next_{0};
  mutable std::mutex schedule_mutex_;
  arrival_schedule schedule_;
};

} // namespace janus::bench
