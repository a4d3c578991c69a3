#pragma once

#include "apps/janus-bench/bench_options.hpp"
#include "apps/janus-bench/request_record.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace janus::bench {

/// What a finished run hands to the reports.
struct run_outcome {
  /// Every request, ordered by scheduled time.
  std::vector<request_record> records;
  /// The first error message of each class.
  std::array<std::string, error_class_count> samples;
  /// From the start until the last request ended.
  std::int64_t elapsed_us = 0;
  /// Requests that never connected made the run stop early.
  bool stopped_unreachable = false;
  /// Ctrl-C (or SIGTERM) stopped the run.
  bool interrupted = false;
  /// No request ever got a TCP connection.
  bool never_connected = false;
};

/// Runs a load test from start to end: one shard per I/O thread, a progress line on a
/// terminal, Ctrl-C handling (the first stops sending and lets requests in flight end, the
/// second cuts them), early stop when the target cannot be reached, and a hard cap: nothing
/// runs past the end of the window plus --drain plus a few seconds.
run_outcome run_bench(const bench_options& options,
                      const boost::asio::ip::tcp::resolver::results_type& endpoints);

} // namespace janus::bench
