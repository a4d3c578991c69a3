#pragma once

#include "apps/janus-bench/bench_options.hpp"
#include "apps/janus-bench/run_outcome.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace janus::bench {

/// Runs a load test from start to end: one shard per I/O thread, a progress line on a
/// terminal, Ctrl-C handling (the first stops sending and lets requests in flight end, the
/// second cuts them), early stop when the target cannot be reached, and a hard cap: nothing
/// runs past the end of the window plus --drain plus a few seconds.
run_outcome run_bench(const bench_options& options,
                      const boost::asio::ip::tcp::resolver::results_type& endpoints);

} // namespace janus::bench
