#include "apps/janus-bench/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace janus::bench {

namespace {

std::string printf_string(const char* format, auto... args) {
  char text[256];
  std::snprintf(text, sizeof(text), format, args...);
  return text;
}

double ms(std::int64_t us) {
  return static_cast<double>(us) / 1000.0;
}

unsigned long long ull(std::uint64_t value) {
  return static_cast<unsigned long long>(value);
}

std::string arrival_text(const bench_options& options) {
  if (options.arrival == arrival_process::constant) {
    return "constant gaps";
  }
  if (options.burstiness == 1.0) {
    return "poisson arrivals (seed " + std::to_string(options.seed) + ")";
  }
  return "gamma arrivals, burstiness " + format_number(options.burstiness) + " (seed "
         + std::to_string(options.seed) + ")";
}

std::string sweep_text(const sweep_plan& sweep) {
  std::string out = sweep.parameter == sweep_parameter::rate ? "rate=" : "concurrency=";
  for (std::size_t i = 0; i < sweep.values.size(); ++i) {
    out += (i == 0 ? "" : ",") + format_number(sweep.values[i]);
  }
  return out;
}

/// The column names of the percentiles besides the median ("p90", "p99.9").
std::vector<std::string> percentile_columns(const std::vector<double>& percentiles) {
  std::vector<std::string> names;
  for (double p : percentiles) {
    if (p != 50) {
      names.push_back("p" + format_number(p));
    }
  }
  return names;
}

std::string cell(double us, std::size_t count) {
  return count == 0 ? printf_string(" %10s", "-") : printf_string(" %10.2f", us / 1000.0);
}

std::string stats_line(std::string_view name, const metric_stats& stats,
                       const std::vector<double>& percentiles) {
  std::string out = printf_string("  %-6s", std::string{name}.c_str());
  out += cell(stats.mean, stats.count) + cell(stats.median, stats.count);
  for (std::size_t i = 0; i < percentiles.size(); ++i) {
    if (percentiles[i] != 50) {
      out += cell(stats.percentiles[i], stats.count);
    }
  }
  out += cell(stats.min, stats.count) + cell(stats.max, stats.count);
  out += printf_string(" %10llu\n", ull(stats.count));
  return out;
}

/// The highest percentile asked for (the median when only 50 was).
std::size_t top_percentile(const std::vector<double>& percentiles) {
  return percentiles.empty() ? 0 : percentiles.size() - 1;
}

} // namespace

std::string describe_run(const bench_options& options) {
  std::string out;
  if (options.sweep) {
    out = "sweep " + sweep_text(*options.sweep) + ": ";
    out += options.sweep->parameter == sweep_parameter::rate
             ? "open loop, " + arrival_text(options)
             : std::string{"closed loop"};
  } else {
    switch (options.mode) {
      case load_mode::closed:
        out = "closed loop, " + std::to_string(options.concurrency)
              + (options.concurrency == 1 ? " client" : " clients");
        break;
      case load_mode::open:
        out = "open loop, " + format_number(options.rate) + " requests/s, "
              + arrival_text(options);
        break;
      case load_mode::steps:
        out = "steps " + format_steps(options.steps);
        break;
    }
  }
  out += options.stream ? ", stream" : ", no stream";
  if (options.duration) {
    out += ", " + format_duration(*options.duration);
  }
  if (options.requests) {
    out += ", at most " + std::to_string(*options.requests) + " requests";
  }
  if (options.sweep) {
    out += " per step";
  }
  return out;
}

std::string describe_slo(const slo_targets& slo) {
  std::string out;
  const auto add = [&out](const char* name, std::optional<std::chrono::microseconds> value) {
    if (value) {
      out += (out.empty() ? "" : ", ") + std::string{name} + " <= " + format_duration(*value);
    }
  };
  add("ttft", slo.ttft);
  add("tpot", slo.tpot);
  add("e2el", slo.e2el);
  return out;
}

std::string render_text(const run_summary& s, const bench_options& options) {
  std::string out;
  out += "target      " + options.target.text() + "\n";
  out += "load        " + describe_run(options) + "\n";
  out += printf_string("requests    %llu in %.2f s (%.1f/s), completed %llu (%.1f/s), failed %llu\n",
                       ull(s.requests), s.duration_s, s.requests_per_s, ull(s.completed),
                       s.request_throughput, ull(s.failed()));
  const auto from = [&s](token_source source) {
    return ull(s.tokens_from[static_cast<std::size_t>(source)]);
  };
  out += printf_string("tokens      output %llu (%.1f/s), input %llu; output counted from usage in "
                       "%llu, chunks in %llu, neither in %llu requests\n",
                       ull(s.output_tokens), s.output_throughput, ull(s.input_tokens),
                       from(token_source::usage), from(token_source::chunks),
                       from(token_source::none));
  if (s.has_slo) {
    out += printf_string("goodput     %llu of %llu completed within ", ull(s.good),
                         ull(s.completed))
           + describe_slo(options.slo) + printf_string(" (%.1f/s)\n", s.request_goodput);
  }
  if (s.failed() == 0) {
    out += "errors      none\n";
  } else {
    out += printf_string("errors      %llu\n", ull(s.failed()));
    for (std::size_t i = 1; i < error_class_count; ++i) {
      if (s.by_class[i] == 0) {
        continue;
      }
      const std::string name{to_string(static_cast<error_class>(i))};
      out += printf_string("  %-14s %8llu", name.c_str(), ull(s.by_class[i]));
      if (!s.samples[i].empty()) {
        out += "  e.g. " + s.samples[i];
      }
      out += "\n";
    }
    if (s.abandoned > 0) {
      out += printf_string("  (%llu of the timeouts were cut at the end of the run)\n",
                           ull(s.abandoned));
    }
  }
  const auto kind = [&s](start_kind k) { return ull(s.by_start[static_cast<std::size_t>(k)]); };
  out += printf_string("start kinds warm %llu, prewarmed %llu, cold %llu, none %llu",
                       kind(start_kind::warm), kind(start_kind::prewarmed), kind(start_kind::cold),
                       kind(start_kind::none));
  if (kind(start_kind::resumed) > 0) {
    out += printf_string(", resumed %llu", kind(start_kind::resumed));
  }
  if (kind(start_kind::fallback) > 0) {
    out += printf_string(", fallback %llu", kind(start_kind::fallback));
  }
  if (kind(start_kind::other) > 0) {
    out += printf_string(", other %llu", kind(start_kind::other));
  }
  out += "\n";
  if (s.models.size() > 1) {
    out += "models     ";
    for (std::size_t i = 0; i < s.models.size(); ++i) {
      const auto& m = s.models[i];
      out += printf_string("%s %s %llu (completed %llu)", i == 0 ? "" : ",", m.name.c_str(),
                           ull(m.requests), ull(m.completed));
    }
    out += "\n";
  }
  if (s.completed > 0) {
    out += printf_string("latency ms  %10s %10s", "mean", "median");
    for (const auto& name : percentile_columns(s.percentiles)) {
      out += printf_string(" %10s", name.c_str());
    }
    out += printf_string(" %10s %10s %10s   (completed requests)\n", "min", "max", "samples");
    if (options.stream) {
      out += stats_line("ttft", s.ttft, s.percentiles);
      out += stats_line("tpot", s.tpot, s.percentiles);
      out += stats_line("itl", s.itl, s.percentiles);
    }
    out += stats_line("e2el", s.e2el, s.percentiles);
    if (!options.stream) {
      out += "  (ttft, tpot and itl are measured on streams only: --stream)\n";
    }
    if (s.itl_dropped > 0) {
      out += printf_string("  (%llu inter-token latencies past the first %zu were not kept)\n",
                           ull(s.itl_dropped), max_itl_samples);
    }
  }
  return out;
}

std::string render_sweep_text(const std::vector<sweep_result>& results,
                              const bench_options& options) {
  const bool by_rate = options.sweep && options.sweep->parameter == sweep_parameter::rate;
  const auto top = top_percentile(options.percentiles);
  const std::string high = options.percentiles.empty()
                             ? std::string{"median"}
                             : "p" + format_number(options.percentiles[top]);
  std::string out = "sweep       " + describe_run(options) + "\n";
  out += printf_string("%11s %9s %7s %9s %10s %10s", by_rate ? "rate" : "concurrency",
                       "completed", "failed", "req/s", "out tok/s", "goodput/s");
  for (const char* metric : {"ttft", "tpot", "itl", "e2el"}) {
    out += printf_string(" %9s %9s", (std::string{metric} + " med").c_str(),
                         (std::string{metric} + " " + high).c_str());
  }
  out += "   (latencies in ms)\n";
  for (const auto& r : results) {
    const auto& s = r.summary;
    out += printf_string("%11s %9llu %7llu %9.2f %10.1f", format_number(r.value).c_str(),
                         ull(s.completed), ull(s.failed()), s.request_throughput,
                         s.output_throughput);
    out += s.has_slo ? printf_string(" %10.2f", s.request_goodput) : printf_string(" %10s", "-");
    for (const metric_stats* stats : {&s.ttft, &s.tpot, &s.itl, &s.e2el}) {
      const double highest = stats->percentiles.empty() ? stats->median
                                                        : stats->percentiles[top];
      if (stats->count == 0) {
        out += printf_string(" %9s %9s", "-", "-");
      } else {
        out += printf_string(" %9.2f %9.2f", stats->median / 1000.0, highest / 1000.0);
      }
    }
    out += "\n";
  }
  return out;
}

std::string csv_header() {
  return "run,scheduled_s,start_offset_ms,ttft_ms,tpot_ms,e2el_ms,status,class,output_tokens,"
         "tokens_from,input_tokens,chunks,start,model\n";
}

std::string csv_row(const request_record& r, const std::vector<std::string>& models,
                    std::size_t run) {
  std::string out = printf_string("%zu,%.6f,%.3f,", run, static_cast<double>(r.scheduled_us) / 1e6,
                                  ms(r.start_offset_us));
  if (r.ttft_us >= 0) {
    out += printf_string("%.3f", ms(r.ttft_us));
  }
  out += ',';
  if (auto tpot = time_per_output_token(r)) {
    out += printf_string("%.3f", *tpot / 1000.0);
  }
  out += printf_string(",%.3f,%u,", ms(r.e2el_us), static_cast<unsigned>(r.status));
  out += to_string(r.result);
  out += printf_string(",%u,", r.output_tokens);
  out += to_string(r.tokens_from);
  out += printf_string(",%u,%u,", r.input_tokens, r.chunks);
  out += to_string(r.start);
  out += ',';
  static const std::string unnamed;
  const std::string& model = r.model < models.size() ? models[r.model] : unnamed;
  // Model names are user text: quote them when CSV needs it.
  if (model.find_first_of(",\"\n\r") != std::string::npos) {
    out += '"';
    for (char c : model) {
      if (c == '"') {
        out += '"';
      }
      out += c;
    }
    out += '"';
  } else {
    out += model;
  }
  out += '\n';
  return out;
}

void write_csv_rows(std::ostream& out, const std::vector<request_record>& records,
                    const std::vector<std::string>& models, std::size_t run) {
  for (const auto& record : records) {
    out << csv_row(record, models, run);
  }
}

std::string progress_line(double elapsed_s, std::optional<double> window_s,
                          std::uint64_t finished, double recent_rate, std::uint64_t ok,
                          std::uint64_t in_flight) {
  std::string out = window_s ? printf_string("%6.1fs/%gs", elapsed_s, *window_s)
                             : printf_string("%6.1fs", elapsed_s);
  out += printf_string("  %llu requests  %.1f/s  ok %llu  errors %llu  in flight %llu",
                       ull(finished), recent_rate, ull(ok), ull(finished - std::min(ok, finished)),
                       ull(in_flight));
  return out;
}

} // namespace janus::bench
