#include "apps/janusd/metrics_page.hpp"

#include "metrics/process_metrics.hpp"
#include "metrics/text_format.hpp"

namespace janus {

namespace {

using metrics::append_header;
using metrics::append_sample;

/// One gauge sample per pool, labelled with its model.
template <class Value>
void per_pool(std::string& out, const std::vector<pool_status>& pools, const char* name,
              const char* help, Value value) {
  append_header(out, name, "gauge", help);
  for (const auto& p : pools) {
    append_sample(out, name, {{"model", p.model}}, static_cast<double>(value(p)));
  }
}

} // namespace

std::string render_metrics_page(const std::vector<pool_status>& pools,
                                const metrics::registry& registry) {
  std::string out;
  out.reserve(16 * 1024);
  append_header(out, "janus_pool_containers", "gauge",
                "Containers of the pool by state (draining includes stopping).");
  for (const auto& p : pools) {
    append_sample(out, "janus_pool_containers", {{"model", p.model}, {"state", "starting"}},
                  static_cast<double>(p.starting));
    append_sample(out, "janus_pool_containers", {{"model", p.model}, {"state", "ready"}},
                  static_cast<double>(p.ready));
    append_sample(out, "janus_pool_containers", {{"model", p.model}, {"state", "draining"}},
                  static_cast<double>(p.draining));
  }
  per_pool(out, pools, "janus_pool_inflight_requests", "Requests being served by the pool.",
           [](const pool_status& p) { return p.inflight; });
  per_pool(out, pools, "janus_pool_waiting_requests", "Requests queued for a free slot.",
           [](const pool_status& p) { return p.waiting; });
  per_pool(out, pools, "janus_pool_min_warm", "Configured minimum of warm containers.",
           [](const pool_status& p) { return p.min_warm; });
  per_pool(out, pools, "janus_pool_max_containers", "Configured maximum of containers.",
           [](const pool_status& p) { return p.max_containers; });
  registry.render(out);
  metrics::append_process_metrics(out);
  return out;
}

} // namespace janus
