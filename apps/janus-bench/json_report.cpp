#include "apps/janus-bench/json_report.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cmath>

namespace janus::bench {

namespace {

using json_writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

/// A number rounded to 3 decimals, so JSON shows 12.345 rather than 12.345000000000001.
double round3(double value) {
  return std::round(value * 1000.0) / 1000.0;
}

void key(json_writer& w, std::string_view name) {
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}

void string(json_writer& w, std::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
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

/// A latency in µs written in ms, or null without samples.
void latency(json_writer& w, std::string_view name, double us, bool present) {
  key(w, name);
  if (present) {
    w.Double(round3(us / 1000.0));
  } else {
    w.Null();
  }
}

/// `{metric}_samples`, `mean_`, `median_`, `std_`, `p{P}_`, `min_` and `max_{metric}_ms`.
void write_metric(json_writer& w, std::string_view metric, const metric_stats& stats,
                  const std::vector<double>& percentiles) {
  const std::string m{metric};
  const bool present = stats.count > 0;
  key(w, m + "_samples");
  w.Uint64(stats.count);
  latency(w, "mean_" + m + "_ms", stats.mean, present);
  latency(w, "median_" + m + "_ms", stats.median, present);
  latency(w, "std_" + m + "_ms", stats.stdev, present);
  for (std::size_t i = 0; i < percentiles.size(); ++i) {
    latency(w, "p" + format_number(percentiles[i]) + "_" + m + "_ms", stats.percentiles[i],
            present);
  }
  latency(w, "min_" + m + "_ms", stats.min, present);
  latency(w, "max_" + m + "_ms", stats.max, present);
}

void optional_ms(json_writer& w, std::string_view name,
                 std::optional<std::chrono::microseconds> value) {
  if (value) {
    key(w, name);
    w.Double(round3(static_cast<double>(value->count()) / 1000.0));
  }
}

/// Every field of one run, inside an object the caller opened.
void write_run(json_writer& w, const run_summary& s, const bench_options& options) {
  const bool open = options.mode == load_mode::open;
  key(w, "target");
  string(w, options.target.text());
  key(w, "mode");
  string(w, mode_name(options.mode));
  key(w, "stream");
  w.Bool(options.stream);
  key(w, "stream_usage");
  w.Bool(options.stream && options.stream_usage);
  key(w, "max_concurrency");
  w.Uint(open ? options.max_connections : options.concurrency);
  key(w, "request_rate");
  if (open) {
    w.Double(options.rate);
  } else {
    w.Null();
  }
  key(w, "arrival");
  if (!open) {
    w.Null();
  } else if (options.arrival == arrival_process::constant) {
    string(w, "constant");
  } else {
    string(w, options.burstiness == 1.0 ? "poisson" : "gamma");
  }
  key(w, "burstiness");
  if (open && options.arrival == arrival_process::poisson) {
    w.Double(options.burstiness);
  } else {
    w.Null();
  }
  key(w, "seed");
  w.Uint64(options.seed);
  key(w, "steps");
  if (options.mode == load_mode::steps) {
    string(w, format_steps(options.steps));
  } else {
    w.Null();
  }
  key(w, "window_s");
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
  key(w, "percentiles");
  w.StartArray();
  for (double p : s.percentiles) {
    w.Double(p);
  }
  w.EndArray();
  key(w, "slo");
  if (options.slo.any()) {
    w.StartObject();
    optional_ms(w, "ttft_ms", options.slo.ttft);
    optional_ms(w, "tpot_ms", options.slo.tpot);
    optional_ms(w, "e2el_ms", options.slo.e2el);
    w.EndObject();
  } else {
    w.Null();
  }

  key(w, "duration");
  w.Double(round3(s.duration_s));
  key(w, "requests");
  w.Uint64(s.requests);
  key(w, "completed");
  w.Uint64(s.completed);
  key(w, "failed");
  w.Uint64(s.failed());
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

  key(w, "total_input_tokens");
  w.Uint64(s.input_tokens);
  key(w, "total_output_tokens");
  w.Uint64(s.output_tokens);
  key(w, "output_tokens_from");
  w.StartObject();
  for (std::size_t i = 0; i < token_source_count; ++i) {
    key(w, to_string(static_cast<token_source>(i)));
    w.Uint64(s.tokens_from[i]);
  }
  w.EndObject();
  key(w, "request_throughput");
  w.Double(round3(s.request_throughput));
  key(w, "request_goodput");
  if (s.has_slo) {
    w.Double(round3(s.request_goodput));
  } else {
    w.Null();
  }
  key(w, "good_requests");
  if (s.has_slo) {
    w.Uint64(s.good);
  } else {
    w.Null();
  }
  key(w, "output_throughput");
  w.Double(round3(s.output_throughput));
  key(w, "total_token_throughput");
  w.Double(round3(s.total_token_throughput));
  key(w, "requests_per_s");
  w.Double(round3(s.requests_per_s));

  write_metric(w, "ttft", s.ttft, s.percentiles);
  write_metric(w, "tpot", s.tpot, s.percentiles);
  write_metric(w, "itl", s.itl, s.percentiles);
  write_metric(w, "e2el", s.e2el, s.percentiles);
  key(w, "itl_dropped");
  w.Uint64(s.itl_dropped);

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
    key(w, "completed");
    w.Uint64(s.models[i].completed);
    w.EndObject();
  }
  w.EndArray();
}

std::string finish(const rapidjson::StringBuffer& buffer) {
  std::string out{buffer.GetString(), buffer.GetSize()};
  out += '\n';
  return out;
}

} // namespace

std::string render_json(const run_summary& summary, const bench_options& options) {
  rapidjson::StringBuffer buffer;
  json_writer w{buffer};
  w.SetIndent(' ', 2);
  w.StartObject();
  write_run(w, summary, options);
  w.EndObject();
  return finish(buffer);
}

std::string render_sweep_json(const std::vector<sweep_result>& results,
                              const bench_options& options) {
  rapidjson::StringBuffer buffer;
  json_writer w{buffer};
  w.SetIndent(' ', 2);
  w.StartObject();
  key(w, "sweep");
  w.StartObject();
  key(w, "parameter");
  string(w, options.sweep && options.sweep->parameter == sweep_parameter::concurrency
              ? "concurrency"
              : "rate");
  key(w, "values");
  w.StartArray();
  if (options.sweep) {
    for (double value : options.sweep->values) {
      if (options.sweep->parameter == sweep_parameter::concurrency) {
        w.Uint(static_cast<unsigned>(value));
      } else {
        w.Double(value);
      }
    }
  }
  w.EndArray();
  w.EndObject();
  key(w, "target");
  string(w, options.target.text());
  key(w, "runs");
  w.StartArray();
  for (const auto& result : results) {
    w.StartObject();
    write_run(w, result.summary, result.options);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return finish(buffer);
}

} // namespace janus::bench
