#pragma once

#include "apps/janus-bench/bench_options.hpp"
#include "apps/janus-bench/request_record.hpp"
#include "apps/janus-bench/summary.hpp"
#include "apps/janus-bench/sweep_result.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace janus::bench {

/// The run's settings as reports show them: "closed loop, 16 clients, stream, 10s", "open
/// loop, 50 requests/s, poisson arrivals (seed 0), stream, 2s", "sweep rate=1,2: ...".
std::string describe_run(const bench_options& options);

/// The objectives as "ttft <= 200ms, tpot <= 50ms, e2el <= 2s".
std::string describe_slo(const slo_targets& slo);

/// The human summary printed at the end of a run: counts, rates, tokens, goodput, errors by
/// class with a sample message, start kinds, and a table of TTFT, TPOT, ITL and E2EL in ms
/// (mean, median, the asked-for percentiles, min, max, samples).
std::string render_text(const run_summary& summary, const bench_options& options);

/// The latency-throughput table of a sweep, one line per step: the value, completed and failed
/// requests, request, output token and good request throughput, and the median and highest
/// asked-for percentile of TTFT, TPOT, ITL and E2EL in ms.
std::string render_sweep_text(const std::vector<sweep_result>& results,
                              const bench_options& options);

/// The CSV header line (with its newline).
std::string csv_header();

/// One CSV line (with its newline) for `record` of step `run` (0 without a sweep): run,
/// scheduled_s, start_offset_ms, ttft_ms, tpot_ms (both empty when not measured), e2el_ms,
/// status, class, output_tokens, tokens_from, input_tokens, chunks, start, model.
std::string csv_row(const request_record& record, const std::vector<std::string>& models,
                    std::size_t run);

/// Writes one row per record of step `run` (no header).
void write_csv_rows(std::ostream& out, const std::vector<request_record>& records,
                    const std::vector<std::string>& models, std::size_t run);

/// The live progress line (no line end): elapsed time (of the window, when there is one),
/// requests finished, their rate over the last second, ok, errors and requests in flight.
std::string progress_line(double elapsed_s, std::optional<double> window_s,
                          std::uint64_t finished, double recent_rate, std::uint64_t ok,
                          std::uint64_t in_flight);

} // namespace janus::bench
