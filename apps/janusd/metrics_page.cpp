#include "apps/janusd/metrics_page.hpp"

#include <iterator>

#include "metrics/process_metrics.hpp"

namespace janus {

namespace {

prometheus::MetricFamily gauge_family(const char* name, const char* help) {
  return prometheus::MetricFamily{name, help, prometheus::MetricType::Gauge, {}};
}

void add_sample(prometheus::MetricFamily& family, std::vector<prometheus::ClientMetric::Label> labels,
                double value) {
  prometheus::ClientMetric sample;
  sample.label = std::move(labels);
  sample.gauge.value = value;
  family.metric.push_back(std::move(sample));
}

/// One gauge sample per pool, labelled with its model.
template <class Value>
prometheus::MetricFamily per_pool(const std::vector<pool_status>& pools, const char* name,
                                  const char* help, Value value) {
  auto out = gauge_family(name, help);
  for (const auto& p : pools) {
    add_sample(out, {{"model", p.model}}, static_cast<double>(value(p)));
  }
  return out;
}

} // namespace

std::string render_metrics_page(const std::vector<pool_status>& pools,
                                const metrics::registry& registry) {
  std::vector<prometheus::MetricFamily> page;
  auto containers = gauge_family("janus_pool_containers",
                                 "Containers of the pool by state (draining includes stopping, paused includes pausing, "
                                 "starting includes resuming).");
  for (const auto& p : pools) {
    add_sample(containers, {{"model", p.model}, {"state", "starting"}},
               static_cast<double>(p.starting));
    add_sample(containers, {{"model", p.model}, {"state", "ready"}}, static_cast<double>(p.ready));
    add_sample(containers, {{"model", p.model}, {"state", "draining"}},
               static_cast<double>(p.draining));
    add_sample(containers, {{"model", p.model}, {"state", "paused"}}, static_cast<double>(p.paused));
  }
  page.push_back(std::move(containers));
  page.push_back(per_pool(pools, "janus_pool_inflight_requests", "Requests being served by the pool.",
                          [](const pool_status& p) { return p.inflight; }));
  page.push_back(per_pool(pools, "janus_pool_waiting_requests", "Requests queued for a free slot.",
                          [](const pool_status& p) { return p.waiting; }));
  page.push_back(per_pool(pools, "janus_pool_min_warm", "Configured minimum of warm containers.",
                          [](const pool_status& p) { return p.min_warm; }));
  page.push_back(per_pool(pools, "janus_pool_max_containers", "Configured maximum of containers.",
                          [](const pool_status& p) { return p.max_containers; }));
  page.push_back(per_pool(pools, "janus_pool_warm_target",
                          "Containers the recent demand peak needs (demand-following pre-warm: the "
                          "pool keeps at least this many live).",
                          [](const pool_status& p) { return p.warm_target; }));
  auto registered = registry.collect();
  std::move(registered.begin(), registered.end(), std::back_inserter(page));
  auto process = metrics::collect_process_metrics();
  std::move(process.begin(), process.end(), std::back_inserter(page));
  return metrics::serialize(page);
}

} // namespace janus
