#include "apps/janus-bench/plot_script.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <cstdio>

namespace janus::bench {

namespace {

/// A gnuplot string literal in single quotes ('' stands for one quote).
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "''";
    } else if (c != '\n' && c != '\r') {
      out += c;
    }
  }
  out += '\'';
  return out;
}

struct series {
  const char* title;
  const char* style;
  std::string points;
};

void add_point(std::string& block, double x, double y) {
  char line[64];
  std::snprintf(line, sizeof(line), "%.6f %.3f\n", x, std::max(y, 0.001));
  block += line;
}

/// The terminal, output and title lines every plot starts with.
std::string script_head(const std::string& output, const std::string& title) {
  std::string s;
  if (output.ends_with(".png")) {
    s += "set terminal pngcairo size 1400,700 enhanced font 'sans,10'\n";
  } else {
    s += "set terminal svg size 1400,700 dynamic enhanced font 'sans,10' background rgb 'white'\n";
  }
  s += "set output " + quoted(output) + "\n";
  s += "set title " + quoted(title) + " noenhanced\n";
  return s;
}

} // namespace

plot_files render_plot(const std::vector<request_record>& records,
                       const std::vector<load_step>& steps, const std::string& title,
                       const std::string& output, const std::string& data_path) {
  // Series in drawing order: the rare, important kinds last so they stay visible on top.
  std::array<series, 7> all{{
    {"warm", "points pt 7 ps 0.4 lc rgb '#2e7d32'", {}},
    {"no x-janus-start", "points pt 1 ps 0.6 lc rgb '#607d8b'", {}},
    {"prewarmed", "points pt 9 ps 1.0 lc rgb '#f9a825'", {}},
    {"cold", "points pt 5 ps 1.2 lc rgb '#1565c0'", {}},
    {"failed (time to failure)", "points pt 2 ps 1.0 lc rgb '#c62828'", {}},
    {"resumed", "points pt 11 ps 1.0 lc rgb '#6a1b9a'", {}},
    {"fallback", "points pt 13 ps 1.0 lc rgb '#ef6c00'", {}},
  }};
  for (const auto& r : records) {
    const double x = static_cast<double>(r.scheduled_us) / 1e6;
    if (r.result != error_class::ok) {
      add_point(all[4].points, x, static_cast<double>(r.e2el_us) / 1000.0);
      continue;
    }
    const double y = static_cast<double>(r.ttft_us >= 0 ? r.ttft_us : r.e2el_us) / 1000.0;
    switch (r.start) {
      case start_kind::warm:
        add_point(all[0].points, x, y);
        break;
      case start_kind::prewarmed:
        add_point(all[2].points, x, y);
        break;
      case start_kind::cold:
        add_point(all[3].points, x, y);
        break;
      case start_kind::resumed:
        add_point(all[5].points, x, y);
        break;
      case start_kind::fallback:
        add_point(all[6].points, x, y);
        break;
      case start_kind::none:
      case start_kind::other:
        add_point(all[1].points, x, y);
        break;
    }
  }
  plot_files files;
  std::vector<std::string> plots;
  int index = 0;
  const auto add_block = [&](const std::string& block) {
    if (index > 0) {
      files.data += "\n\n";
    }
    files.data += block;
    return index++;
  };
  for (const auto& s : all) {
    if (s.points.empty()) {
      continue;
    }
    auto i = add_block(s.points);
    plots.push_back(quoted(data_path) + " index " + std::to_string(i) + " using 1:2 with "
                    + s.style + " title " + quoted(s.title));
  }
  if (!steps.empty()) {
    std::string block;
    double at = 0;
    for (const auto& step : steps) {
      char line[64];
      std::snprintf(line, sizeof(line), "%.6f %u\n", at, step.level);
      block += line;
      at += static_cast<double>(step.length.count()) / 1e6;
      std::snprintf(line, sizeof(line), "%.6f %u\n", at, step.level);
      block += line;
    }
    auto i = add_block(block);
    plots.push_back(quoted(data_path) + " index " + std::to_string(i)
                    + " using 1:2 axes x1y2 with lines lw 1.5 lc rgb '#9e9e9e' title 'clients'");
  }
  std::string& s = files.script;
  s += script_head(output, title);
  s += "set xlabel 'time since start (s), by scheduled send time'\n";
  s += "set ylabel 'time to first token (ms)'\n";
  s += "set logscale y\n";
  s += "set grid\n";
  s += "set key outside right top\n";
  if (!steps.empty()) {
    s += "set y2label 'clients'\n";
    s += "set y2tics\n";
    unsigned peak = 1;
    for (const auto& step : steps) {
      peak = std::max(peak, step.level);
    }
    s += "set y2range [0:" + std::to_string(peak + (peak + 4) / 5) + "]\n";
  }
  if (plots.empty()) {
    s += "set label 'no requests' at graph 0.5, graph 0.5 center\n";
    s += "set xrange [0:1]\nset yrange [1:10]\n";
    s += "plot NaN notitle\n";
  } else {
    s += "plot ";
    for (std::size_t i = 0; i < plots.size(); ++i) {
      s += (i == 0 ? "" : ", \\\n     ") + plots[i];
    }
    s += "\n";
  }
  return files;
}

plot_files render_sweep_plot(const std::vector<sweep_result>& results,
                             const std::vector<double>& percentiles, const std::string& title,
                             const std::string& output, const std::string& data_path) {
  struct metric {
    const char* name;
    const metric_stats run_summary::*stats;
  };
  static constexpr metric metrics[] = {{"time to first token", &run_summary::ttft},
                                       {"time per output token", &run_summary::tpot},
                                       {"inter-token latency", &run_summary::itl},
                                       {"end-to-end latency", &run_summary::e2el}};
  // Data columns: 1 value, 2 requests/s, then per metric the median and each percentile.
  const std::size_t per_metric = 1 + percentiles.size();
  plot_files files;
  std::vector<bool> has_samples(std::size(metrics), false);
  for (const auto& r : results) {
    char line[64];
    std::snprintf(line, sizeof(line), "%.10g %.6f", r.value, r.summary.request_throughput);
    files.data += line;
    for (std::size_t m = 0; m < std::size(metrics); ++m) {
      const auto& stats = r.summary.*(metrics[m].stats);
      has_samples[m] = has_samples[m] || stats.count > 0;
      // Always per_metric columns, so every panel reads the columns it expects.
      std::vector<double> values{stats.median};
      for (std::size_t p = 0; p < percentiles.size(); ++p) {
        values.push_back(p < stats.percentiles.size() ? stats.percentiles[p] : 0.0);
      }
      for (double us : values) {
        if (stats.count == 0) {
          files.data += " NaN";
        } else {
          std::snprintf(line, sizeof(line), " %.3f", us / 1000.0);
          files.data += line;
        }
      }
    }
    files.data += "\n";
  }
  std::size_t panels = 0;
  for (bool has : has_samples) {
    panels += has ? 1 : 0;
  }
  std::string& s = files.script;
  s += script_head(output, title);
  s += "set grid\n";
  s += "set key left top\n";
  s += "set xlabel 'throughput (completed requests/s)'\n";
  s += "set ylabel 'ms'\n";
  if (panels == 0) {
    s += "set label 'no completed requests' at graph 0.5, graph 0.5 center\n";
    s += "set xrange [0:1]\nset yrange [0:1]\n";
    s += "plot NaN notitle\n";
    return files;
  }
  s += "set multiplot layout " + std::to_string(panels > 2 ? 2 : 1) + ","
       + std::to_string(panels > 1 ? 2 : 1) + " title " + quoted(title) + " noenhanced\n";
  s += "unset title\n";
  for (std::size_t m = 0; m < std::size(metrics); ++m) {
    if (!has_samples[m]) {
      continue;
    }
    const std::size_t first = 3 + m * per_metric;
    s += "set title " + quoted(metrics[m].name) + "\n";
    s += "plot " + quoted(data_path) + " using 2:" + std::to_string(first)
         + " with linespoints pt 7 title 'median', \\\n";
    for (std::size_t p = 0; p < percentiles.size(); ++p) {
      if (percentiles[p] == 50) {
        continue;
      }
      s += "     '' using 2:" + std::to_string(first + 1 + p) + " with linespoints title "
           + quoted("p" + format_number(percentiles[p])) + ", \\\n";
    }
    s += "     '' using 2:" + std::to_string(first)
         + ":(sprintf('%g', $1)) with labels offset 0,1 notitle\n";
  }
  s += "unset multiplot\n";
  return files;
}

} // namespace janus::bench
