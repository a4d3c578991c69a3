#include "apps/janus-bench/summary.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace janus::bench {

double percentile(const std::vector<double>& sorted, double p) {
  const double rank = static_cast<double>(sorted.size() - 1) * (p / 100.0);
  const auto below = static_cast<std::size_t>(std::floor(rank));
  const auto above = std::min(below + 1, sorted.size() - 1);
  const double t = rank - static_cast<double>(below);
  const double a = sorted[below];
  const double b = sorted[above];
  // numpy's _lerp, to the last bit: from the nearer end.
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

metric_stats compute_stats(std::vector<double>& values, const std::vector<double>& percentiles) {
  metric_stats stats;
  stats.percentiles.assign(percentiles.size(), 0.0);
  if (values.empty()) {
    return stats;
  }
  std::sort(values.begin(), values.end());
  stats.count = values.size();
  stats.min = values.front();
  stats.max = values.back();
  stats.median = percentile(values, 50);
  for (std::size_t i = 0; i < percentiles.size(); ++i) {
    stats.percentiles[i] = percentile(values, percentiles[i]);
  }
  const auto n = static_cast<long double>(values.size());
  const long double mean = std::accumulate(values.begin(), values.end(), 0.0L) / n;
  long double squares = 0;
  for (double value : values) {
    squares += (value - mean) * (value - mean);
  }
  stats.mean = static_cast<double>(mean);
  stats.stdev = static_cast<double>(std::sqrt(squares / n));
  return stats;
}

std::optional<double> time_per_output_token(const request_record& record) {
  if (record.ttft_us < 0 || record.output_tokens < 2) {
    return std::nullopt;
  }
  return static_cast<double>(record.e2el_us - record.ttft_us)
         / static_cast<double>(record.output_tokens - 1);
}

bool meets_slo(const request_record& record, const slo_targets& slo) {
  const auto within = [](double value_us, std::optional<std::chrono::microseconds> objective) {
    return !objective || value_us <= static_cast<double>(objective->count());
  };
  const double ttft = static_cast<double>(std::max<std::int64_t>(record.ttft_us, 0));
  const double tpot = time_per_output_token(record).value_or(0.0);
  return within(ttft, slo.ttft) && within(tpot, slo.tpot)
         && within(static_cast<double>(record.e2el_us), slo.e2el);
}

run_summary summarize(const run_outcome& outcome, const summary_settings& settings) {
  run_summary summary;
  summary.percentiles = settings.percentiles;
  summary.samples = outcome.samples;
  summary.has_slo = settings.slo.any();
  for (const auto& name : settings.models) {
    summary.models.push_back({name, 0, 0});
  }
  std::vector<double> ttft;
  std::vector<double> tpot;
  std::vector<double> e2el;
  for (const auto& record : outcome.records) {
    ++summary.requests;
    ++summary.by_class[static_cast<std::size_t>(record.result)];
    ++summary.by_start[static_cast<std::size_t>(record.start)];
    if (record.abandoned) {
      ++summary.abandoned;
    }
    const bool ok = record.result == error_class::ok;
    if (record.model < summary.models.size()) {
      auto& model = summary.models[record.model];
      ++model.requests;
      model.completed += ok ? 1 : 0;
    }
    if (!ok) {
      continue;
    }
    ++summary.completed;
    summary.output_tokens += record.output_tokens;
    summary.input_tokens += record.input_tokens;
    ++summary.tokens_from[static_cast<std::size_t>(record.tokens_from)];
    e2el.push_back(static_cast<double>(record.e2el_us));
    if (record.ttft_us >= 0) {
      ttft.push_back(static_cast<double>(record.ttft_us));
    }
    if (auto value = time_per_output_token(record)) {
      tpot.push_back(*value);
    }
    if (summary.has_slo && meets_slo(record, settings.slo)) {
      ++summary.good;
    }
  }
  std::vector<double> itl(outcome.itls.begin(), outcome.itls.end());
  summary.ttft = compute_stats(ttft, settings.percentiles);
  summary.tpot = compute_stats(tpot, settings.percentiles);
  summary.itl = compute_stats(itl, settings.percentiles);
  summary.e2el = compute_stats(e2el, settings.percentiles);
  summary.itl_dropped = outcome.itl_dropped;
  summary.duration_s = static_cast<double>(std::max<std::int64_t>(outcome.elapsed_us, 0)) / 1e6;
  if (summary.duration_s > 0) {
    const double seconds = summary.duration_s;
    summary.request_throughput = static_cast<double>(summary.completed) / seconds;
    summary.request_goodput = static_cast<double>(summary.good) / seconds;
    summary.output_throughput = static_cast<double>(summary.output_tokens) / seconds;
    summary.total_token_throughput
      = static_cast<double>(summary.output_tokens + summary.input_tokens) / seconds;
    summary.requests_per_s = static_cast<double>(summary.requests) / seconds;
  }
  return summary;
}

} // namespace janus::bench
