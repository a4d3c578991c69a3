#include "apps/janus-bench/summary.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace janus::bench {

std::int64_t percentile(const std::vector<std::int64_t>& sorted, double p) {
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

latency_stats compute_stats(std::vector<std::int64_t>& values) {
  latency_stats stats;
  if (values.empty()) {
    return stats;
  }
  std::sort(values.begin(), values.end());
  stats.count = values.size();
  stats.min = values.front();
  stats.max = values.back();
  stats.p50 = percentile(values, 50);
  stats.p90 = percentile(values, 90);
  stats.p99 = percentile(values, 99);
  long double sum = std::accumulate(values.begin(), values.end(), 0.0L);
  stats.mean = static_cast<double>(sum / static_cast<long double>(values.size()));
  return stats;
}

run_summary summarize(const std::vector<request_record>& records, std::int64_t elapsed_us,
                      const std::vector<std::string>& models) {
  run_summary summary;
  for (const auto& name : models) {
    summary.models.push_back({name, 0, 0});
  }
  std::vector<std::int64_t> ttft;
  std::vector<std::int64_t> total;
  ttft.reserve(records.size());
  total.reserve(records.size());
  for (const auto& record : records) {
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
      model.ok += ok ? 1 : 0;
    }
    if (!ok) {
      continue;
    }
    ++summary.ok;
    summary.tokens += record.tokens;
    total.push_back(record.total_us);
    ttft.push_back(record.ttft_us >= 0 ? record.ttft_us : record.total_us);
  }
  summary.ttft = compute_stats(ttft);
  summary.total = compute_stats(total);
  summary.elapsed_s = static_cast<double>(std::max<std::int64_t>(elapsed_us, 0)) / 1e6;
  if (summary.elapsed_s > 0) {
    summary.rate = static_cast<double>(summary.requests) / summary.elapsed_s;
    summary.ok_rate = static_cast<double>(summary.ok) / summary.elapsed_s;
    summary.tokens_per_s = static_cast<double>(summary.tokens) / summary.elapsed_s;
  }
  return summary;
}

} // namespace janus::bench
