#pragma once

#include "apps/janus-bench/outcome.hpp"
#include "apps/janus-bench/request_record.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace janus::bench {

/// Order statistics of one latency, in microseconds. Percentiles are nearest-rank (the
/// smallest value with at least p% of the values at or below it), so
/// min <= p50 <= p90 <= p99 <= max always holds. All zero when count is 0.
struct latency_stats {
  std::size_t count = 0;
  std::int64_t min = 0;
  std::int64_t p50 = 0;
  std::int64_t p90 = 0;
  std::int64_t p99 = 0;
  std::int64_t max = 0;
  double mean = 0;
};

/// The nearest-rank `p` percentile (0 < p <= 100) of sorted, non-empty `values`.
std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p);

/// The statistics of `values` (sorted in place).
latency_stats compute_stats(std::vector<std::int64_t>& values);

/// The requests of one model.
struct model_summary {
  std::string name;
  std::uint64_t requests = 0;
  std::uint64_t ok = 0;
};

/// What a run measured, ready to print or write. Latencies are of `ok` requests only.
struct run_summary {
  std::uint64_t requests = 0;
  std::uint64_t ok = 0;
  std::array<std::uint64_t, error_class_count> by_class{};
  std::array<std::uint64_t, start_kind_count> by_start{};
  /// Requests cut by the drain cap at the end (also counted as timeouts).
  std::uint64_t abandoned = 0;
  /// Tokens of ok requests.
  std::uint64_t tokens = 0;
  latency_stats ttft;
  latency_stats total;
  /// From the start of the run until the last request ended.
  double elapsed_s = 0;
  /// requests / elapsed_s, ok / elapsed_s, tokens / elapsed_s.
  double rate = 0;
  double ok_rate = 0;
  double tokens_per_s = 0;
  std::vector<model_summary> models;
  /// One error message per class (the first seen), "" when none.
  std::array<std::string, error_class_count> samples;

  std::uint64_t errors() const {
    return requests - ok;
  }
};

/// Summarises `records` of a run that took `elapsed_us`; `models` names the model indices.
run_summary summarize(const std::vector<request_record>& records, std::int64_t elapsed_us,
                      const std::vector<std::string>& models);

} // namespace janus::bench
