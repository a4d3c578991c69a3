#pragma once

#include "apps/janus-bench/bench_options.hpp"
#include "apps/janus-bench/summary.hpp"
#include "apps/janus-bench/sweep_result.hpp"

#include <string>
#include <vector>

namespace janus::bench {

/// The summary of a run as a JSON object (README.md documents every field). Fields that mean
/// what vLLM's `vllm bench serve --save-result` fields mean carry their names
/// (`request_throughput`, `median_ttft_ms`, `p99_itl_ms`, ...); latencies are in ms rounded
/// to µs; a statistic without samples is null.
std::string render_json(const run_summary& summary, const bench_options& options);

/// A sweep as a JSON object: the sweep, the target, and one run object (as render_json's) per
/// step, in order.
std::string render_sweep_json(const std::vector<sweep_result>& results,
                              const bench_options& options);

} // namespace janus::bench
