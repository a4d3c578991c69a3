#include "apps/janus-bench/report.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

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

/// A number rounded to 3 decimals, so JSON shows 12.345 rather than 12.345000000000001.
double round3(double value) {
  return std::round(value * 1000.0) / 1000.0;
}

std::string steps_text(const std::vector<load_step>& steps) {
  std::string out;
  for (const auto& step : steps) {
    if (!out.empty()) {
      out += ',';
    }
    out += std::to_string(step.level) + ":" + format_duration(step.length);
  }
  return out;
}

std::string mode_name(load_mode mode) {
  switch (mode) {
    case load_mode::closed:
      return "closed";
    case load_mode::open:
      return "open";
    case load_mode::steps:
      return "steps";
  }
  return "closed";
}

using json_writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void key(json_writer& w, std::string_view name) {
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}

void string(json_writer& w, std::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_stats(json_writer& w, std::string_view name, const latency_stats& stats) {
  key(w, name);
  w.StartObject();
  key(w, "count");
  w.Uint64(stats.count);
  key(w, "min");
  w.Double(round3(ms(stats.min)));
  key(w, "p50");
  w.Double(round3(ms(stats.p50)));
  key(w, "p90");
  w.Double(round3(ms(stats.p90)));
  key(w, "p99");
  w.Double(round3(ms(stats.p99)));
  key(w, "max");
  w.Double(round3(ms(stats.max)));
  key(w, "mean");
  w.Double(round3(stats.mean / 1000.0));
  w.EndObject();
}

std::string stats_line(std::string_view name, const latency_stats& stats) {
  return printf_string("  %-7s %10.2f %10.2f %10.2f %10.2f %10.2f %10.2f\n",
                       std::string{name}.c_str(), ms(stats.min), ms(stats.p50), ms(stats.p90),
                       ms(stats.p99), ms(stats.max), stats.mean / 1000.0);
}

} // namespace

std::string describe_run(const bench_options& options) {
  std::string out;
  switch (options.mode) {
    case load_mode::closed:
      out = "closed loop, " + std::to_string(options.concurrency)
            + (options.concurrency == 1 ? " client" : " clients");
      break;
    case load_mode::open:
      out = printf_string("open loop, %g requests/s", options.rate);
      break;
    case load_mode::steps:
      out = "steps " + steps_text(options.steps);
      break;
  }
  out += options.stream ? ", stream" : ", no stream";
  if (options.duration) {
    out += ", " + format_duration(*options.duration);
  }
  if (options.requests) {
    out += ", at most " + std::to_string(*options.requests) + " requests";
  }
  return out;
}

std::string render_text(const run_summary& s, const bench_options& options) {
  std::string out;
  out += "target      " + options.target.text() + "\n";
  out += "load        " + describe_run(options) + "\n";
  out += printf_string("requests    %llu in %.2f s (%.1f/s), ok %llu (%.1f/s)\n",
                       static_cast<unsigned long long>(s.requests), s.elapsed_s, s.rate,
                       static_cast<unsigned long long>(s.ok), s.ok_rate);
  out += printf_string("tokens      %llu (%.1f/s)\n", static_cast<unsigned long long>(s.tokens),
                       s.tokens_per_s);
  if (s.errors() == 0) {
    out += "errors      none\n";
  } else {
    out += printf_string("errors      %llu\n", static_cast<unsigned long long>(s.errors()));
    for (std::size_t i = 1; i < error_class_count; ++i) {
      if (s.by_class[i] == 0) {
        continue;
      }
      const std::string name{to_string(static_cast<error_class>(i))};
      out += printf_string("  %-14s %8llu", name.c_str(),
                           static_cast<unsigned long long>(s.by_class[i]));
      if (!s.samples[i].empty()) {
        out += "  e.g. " + s.samples[i];
      }
      out += "\n";
    }
    if (s.abandoned > 0) {
      out += printf_string("  (%llu of the timeouts were cut at the end of the run)\n",
                           static_cast<unsigned long long>(s.abandoned));
    }
  }
  const auto kind = [&s](start_kind k) {
    return static_cast<unsigned long long>(s.by_start[static_cast<std::size_t>(k)]);
  };
  out += printf_string("start kinds warm %llu, prewarmed %llu, cold %llu, none %llu",
                       kind(start_kind::warm), kind(start_kind::prewarmed), kind(start_kind::cold),
                       kind(start_kind::none));
  if (kind(start_kind::other) > 0) {
    out += printf_string(", other %llu", kind(start_kind::other));
  }
  out += "\n";
  if (s.models.size() > 1) {
    out += "models     ";
    for (std::size_t i = 0; i < s.models.size(); ++i) {
      const auto& m = s.models[i];
      out += printf_string("%s %s %llu (ok %llu)", i == 0 ? "" : ",", m.name.c_str(),
                           static_cast<unsigned long long>(m.requests),
                           static_cast<unsigned long long>(m.ok));
    }
    out += "\n";
  }
  if (s.ok > 0) {
    out += printf_string("latency ms  %10s %10s %10s %10s %10s %10s   (ok requests)\n", "min",
                         "p50", "p90", "p99", "max", "mean");
    out += stats_line("ttft", s.ttft);
    out += stats_line("total", s.total);
  }
  return out;
}

std::string render_json(const run_summary& s, const bench_options& options) {
  rapidjson::StringBuffer buffer;
  json_writer w{buffer};
  w.SetIndent(' ', 2);
  w.StartObject();
  key(w, "target");
  string(w, options.target.text());
  key(w, "mode");
  string(w, mode_name(options.mode));
  key(w, "stream");
  w.Bool(options.stream);
  key(w, "concurrency");
  if (options.mode == load_mode::open) {
    w.Null();
  } else {
    w.Uint(options.concurrency);
  }
  key(w, "rate");
  if (options.mode == load_mode::open) {
    w.Double(options.rate);
  } else {
    w.Null();
  }
  key(w, "steps");
  if (options.mode == load_mode::steps) {
    string(w, steps_text(options.steps));
  } else {
    w.Null();
  }
  key(w, "duration_s");
  if (auto window = options.window()) {
    w.Double(static_cast<double>(window->count()) / 1e6);
  } else {
    w.Null();
  }
  key(w, "request_limit");
  if (options.requests) {
    w.Uint64(*options.requests);
  } else {
    w.Null();
  }
  key(w, "elapsed_s");
  w.Double(round3(s.elapsed_s));
  key(w, "requests");
  w.Uint64(s.requests);
  key(w, "ok");
  w.Uint64(s.ok);
  key(w, "errors");
  w.Uint64(s.errors());
  key(w, "requests_per_s");
  w.Double(round3(s.rate));
  key(w, "ok_per_s");
  w.Double(round3(s.ok_rate));
  key(w, "errors_by_class");
  w.StartObject();
  for (std::size_t i = 1; i < error_class_count; ++i) {
    key(w, to_string(static_cast<error_class>(i)));
    w.Uint64(s.by_class[i]);
  }
  w.EndObject();
  key(w, "abandoned");
  w.Uint64(s.abandoned);
  key(w, "error_samples");
  w.StartObject();
  for (std::size_t i = 1; i < error_class_count; ++i) {
    if (!s.samples[i].empty()) {
      key(w, to_string(static_cast<error_class>(i)));
      string(w, s.samples[i]);
    }
  }
  w.EndObject();
  key(w, "tokens");
  w.Uint64(s.tokens);
  key(w, "tokens_per_s");
  w.Double(round3(s.tokens_per_s));
  write_stats(w, "ttft_ms", s.ttft);
  write_stats(w, "total_ms", s.total);
  key(w, "start_kinds");
  w.StartObject();
  for (std::size_t i = 0; i < start_kind_count; ++i) {
    key(w, to_string(static_cast<start_kind>(i)));
    w.Uint64(s.by_start[i]);
  }
  w.EndObject();
  key(w, "models");
  w.StartArray();
  for (std::size_t i = 0; i < s.models.size(); ++i) {
    w.StartObject();
    key(w, "name");
    string(w, s.models[i].name);
    key(w, "weight");
    w.Uint(i < options.models.size() ? options.models[i].weight : 1);
    key(w, "requests");
    w.Uint64(s.models[i].requests);
    key(w, "ok");
    w.Uint64(s.models[i].ok);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  std::string out{buffer.GetString(), buffer.GetSize()};
  out += '\n';
  return out;
}

std::string csv_header() {
  return "scheduled_s,start_offset_ms,ttft_ms,total_ms,status,class,tokens,start,model\n";
}

std::string csv_row(const request_record& r, const std::vector<std::string>& models) {
  std::string out = printf_string("%.6f,%.3f,", static_cast<double>(r.scheduled_us) / 1e6,
                                  ms(r.start_offset_us));
  if (r.ttft_us >= 0) {
    out += printf_string("%.3f", ms(r.ttft_us));
  }
  out += printf_string(",%.3f,%u,", ms(r.total_us), static_cast<unsigned>(r.status));
  out += to_string(r.result);
  out += ',';
  out += std::to_string(r.tokens);
  out += ',';
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

void write_csv(std::ostream& out, const std::vector<request_record>& records,
               const std::vector<std::string>& models) {
  out << csv_header();
  for (const auto& record : records) {
    out << csv_row(record, models);
  }
}

std::string progress_line(double elapsed_s, std::optional<double> window_s,
                          std::uint64_t finished, double recent_rate, std::uint64_t ok,
                          std::uint64_t in_flight) {
  std::string out = window_s ? printf_string("%6.1fs/%gs", elapsed_s, *window_s)
                             : printf_string("%6.1fs", elapsed_s);
  out += printf_string("  %llu requests  %.1f/s  ok %llu  errors %llu  in flight %llu",
                       static_cast<unsigned long long>(finished), recent_rate,
                       static_cast<unsigned long long>(ok),
                       static_cast<unsigned long long>(finished - std::min(ok, finished)),
                       static_cast<unsigned long long>(in_flight));
  return out;
}

} // namespace janus::bench
