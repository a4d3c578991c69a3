#pragma once

#include "apps/janus-bench/bench_options.hpp"
#include "apps/janus-bench/summary.hpp"

namespace janus::bench {

/// One step of a --sweep, done: the step's options (sweep_step) and what it measured.
struct sweep_result {
  double value = 0;
  bench_options options;
  run_summary summary;
};

} // namespace janus::bench
