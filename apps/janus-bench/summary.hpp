#pragma once

#include "apps/janus-bench/option_values.hpp"
#include "apps/janus-bench/outcome.hpp"
#include "apps/janus-bench/request_record.hpp"
#include "apps/janus-bench/run_outcome.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace janus::bench {

/// The distribution of one metric over a run, in microseconds, with numpy's definitions (as
/// vLLM reports them): the mean, the population standard deviation (ddof 0), the median and
/// the percentiles by linear interpolation between the closest ranks (numpy's default,
/// 'linear'). All zero when count is 0.
struct metric_stats {
  std::size_t count = 0;
  double mean = 0;
  double stdev = 0;
  double median = 0;
  double min = 0;
  double max = 0;
  /// At the percentiles the summary was asked for, in the same order.
  std::vector<double> percentiles;
};

/// numpy.percentile(sorted, p) with the default 'linear' method: the value at rank
/// p / 100 * (n - 1), interpolated between its two neighbours. `sorted` is non-empty and
/// ascending, 0 <= p <= 100.
double percentile(const std::vector<double>& sorted, double p);

/// The statistics of `values` (sorted in place) at `percentiles`.
metric_stats compute_stats(std::vector<double>& values, const std::vector<double>& percentiles);

/// Time per output token of one request, in µs, as vLLM defines it: (E2EL - TTFT) /
/// (output tokens - 1). None when the request has no first token or fewer than 2 output tokens.
std::optional<double> time_per_output_token(const request_record& record);

/// True when a completed request meets every objective of `slo` (each latency at most its
/// objective), by vLLM's goodput rule: a request with fewer than 2 output tokens counts with
/// TPOT 0, one without a first token with TTFT 0.
bool meets_slo(const request_record& record, const slo_targets& slo);

/// The requests of one model.
struct model_summary {
  std::string name;
  std::uint64_t requests = 0;
  std::uint64_t completed = 0;
};

/// What the summary is asked for besides the records.
struct summary_settings {
  /// The model names, by model index.
  std::vector<std::string> models;
  /// The percentiles to compute, besides the median.
  std::vector<double> percentiles{50, 90, 99};
  slo_targets slo;
};

/// What a run measured, ready to print or write. Latencies and tokens are of completed (`ok`)
/// requests only, as vLLM counts them; rates divide by the run's duration.
struct run_summary {
  std::uint64_t requests = 0;
  std::uint64_t completed = 0;
  std::array<std::uint64_t, error_class_count> by_class{};
  std::array<std::uint64_t, start_kind_count> by_start{};
  /// Requests cut by the drain cap at the end (also counted as timeouts).
  std::uint64_t abandoned = 0;
  std::uint64_t output_tokens = 0;
  std::uint64_t input_tokens = 0;
  /// Completed requests by where their output token count came from.
  std::array<std::uint64_t, token_source_count> tokens_from{};
  /// Any objective was given; then `good` completed requests met every one.
  bool has_slo = false;
  std::uint64_t good = 0;
  metric_stats ttft;
  metric_stats tpot;
  metric_stats itl;
  metric_stats e2el;
  std::uint64_t itl_dropped = 0;
  /// From the start of the run until the last request ended.
  double duration_s = 0;
  /// completed, good, output tokens, input + output tokens, and all requests per second.
  double request_throughput = 0;
  double request_goodput = 0;
  double output_throughput = 0;
  double total_token_throughput = 0;
  double requests_per_s = 0;
  std::vector<double> percentiles;
  std::vector<model_summary> models;
  /// One error message per class (the first seen), "" when none.
  std::array<std::string, error_class_count> samples;

  std::uint64_t failed() const {
    return requests - completed;
  }
};

/// Summarises a finished run.
run_summary summarize(const run_outcome& outcome, const summary_settings& settings);

} // namespace janus::bench
