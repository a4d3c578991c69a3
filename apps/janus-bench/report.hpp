#pragma once

#include "apps/janus-bench/bench_options.hpp"
#include "apps/janus-bench/request_record.hpp"
#include "apps/janus-bench/summary.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace janus::bench {

/// The run's settings as reports show them: "closed loop, 16 clients, stream, 10s".
std::string describe_run(const bench_options& options);

/// The human summary printed at the end: counts, rates, errors by class with a sample
/// message, start kinds, and a min/p50/p90/p99/max table of TTFT and total time in ms.
std::string render_text(const run_summary& summary, const bench_options& options);

/// The summary as a JSON object (see README.md for the fields); latencies in milliseconds.
std::string render_json(const run_summary& summary, const bench_options& options);

/// The CSV header line (with its newline).
std::string csv_header();

/// One CSV line (with its newline) for `record`: scheduled_s, start_offset_ms, ttft_ms (empty
/// when none), total_ms, status, class, tokens, start, model.
std::string csv_row(const request_record& record, const std::vector<std::string>& models);

/// Writes the header and one row per record.
void write_csv(std::ostream& out, const std::vector<request_record>& records,
               const std::vector<std::string>& models);

/// The live progress line (no line end): elapsed time (of the window, when there is one),
/// requests finished, their rate over the last second, ok, errors and requests in flight.
std::string progress_line(double elapsed_s, std::optional<double> window_s,
                          std::uint64_t finished, double recent_rate, std::uint64_t ok,
                          std::uint64_t in_flight);

} // namespace janus::bench
