#pragma once

#include <string>
#include <vector>

#include "metrics/registry.hpp"
#include "model/pool_status.hpp"

namespace janus {

/// The `/metrics` page in the Prometheus text exposition format 0.0.4, serialized in one pass by
/// prometheus-cpp: the pool gauges from the pools' snapshot, then the registry's request and
/// container metrics, then the process metrics.
std::string render_metrics_page(const std::vector<pool_status>& pools,
                                const metrics::registry& registry);

} // namespace janus
