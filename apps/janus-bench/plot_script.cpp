#include "apps/janus-bench/plot_script.hpp"

#include <algorithm>
#include <array>
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

} // namespace

plot_files render_plot(const std::vector<request_record>& records,
                       const std::vector<load_step>& steps, const std::string& title,
                       const std::string& output, const std::string& data_path) {
  // Series in drawing order: the rare, important kinds last so they stay visible on top.
  std::array<series, 5> all{{
    {"warm", "points pt 7 ps 0.4 lc rgb '#2e7d32'", {}},
    {"no x-janus-start", "points pt 1 ps 0.6 lc rgb '#607d8b'", {}},
    {"prewarmed", "points pt 9 ps 1.0 lc rgb '#f9a825'", {}},
    {"cold", "points pt 5 ps 1.2 lc rgb '#1565c0'", {}},
    {"failed (time to failure)", "points pt 2 ps 1.0 lc rgb '#c62828'", {}},
  }};
  for (const auto& r : records) {
    const double x = static_cast<double>(r.scheduled_us) / 1e6;
    if (r.result != error_class::ok) {
      add_point(all[4].points, x, static_cast<double>(r.total_us) / 1000.0);
      continue;
    }
    const double y = static_cast<double>(r.ttft_us >= 0 ? r.ttft_us : r.total_us) / 1000.0;
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
  if (output.ends_with(".png")) {
    s += "set terminal pngcairo size 1400,700 enhanced font 'sans,10'\n";
  } else {
    s += "set terminal svg size 1400,700 dynamic enhanced font 'sans,10' background rgb 'white'\n";
  }
  s += "set output " + quoted(output) + "\n";
  s += "set title " + quoted(title) + " noenhanced\n";
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

} // namespace janus::bench
