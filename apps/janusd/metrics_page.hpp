#pragma once

#include <string>
#include <vector>

#include "model/pool_status.hpp"

namespace janus {

/// The `/metrics` page: pool gauges from the pools' snapshot, then the process metrics, in the
/// Prometheus text exposition format 0.0.4.
std::string render_metrics_page(const std::vector<pool_status>& pools);

} // namespace janus
