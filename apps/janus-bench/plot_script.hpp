#pragma once

#include "apps/janus-bench/option_values.hpp"
#include "apps/janus-bench/request_record.hpp"
#include "apps/janus-bench/sweep_result.hpp"

#include <string>
#include <vector>

namespace janus::bench {

/// What gnuplot needs to draw TTFT over time: a data file and a script that reads it.
struct plot_files {
  /// Blocks of "scheduled_s ttft_ms" lines (gnuplot `index`), one per series that has points.
  std::string data;
  /// The gnuplot script; it reads `data` from the path given to render_plot.
  std::string script;
};

/// Renders the plot of `records` into `output` (.svg or .png by its ending), reading its data
/// from `data_path`. Ok requests are points at their TTFT, one series per start kind with its
/// own point style (cold: large squares, prewarmed: triangles, warm: small dots, no header:
/// crosses); failed requests are red x marks at the time they failed; a step profile is drawn
/// as the client count on the right axis.
plot_files render_plot(const std::vector<request_record>& records,
                       const std::vector<load_step>& steps, const std::string& title,
                       const std::string& output, const std::string& data_path);

/// Renders the latency-throughput plot of a sweep into `output`, reading its data from
/// `data_path`: one panel per latency metric that has samples (TTFT, TPOT, ITL, E2EL), each
/// with its median and every other asked-for percentile in ms against the completed requests per
/// second, one point per step, labelled with the step's value.
plot_files render_sweep_plot(const std::vector<sweep_result>& results,
                             const std::vector<double>& percentiles, const std::string& title,
                             const std::string& output, const std::string& data_path);

} // namespace janus::bench
