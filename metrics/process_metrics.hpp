#pragma once

#include <prometheus/metric_family.h>

#include <vector>

namespace janus::metrics {

/// The standard process metrics (resident memory, open file descriptors, CPU seconds, start
/// time), read from /proc/self at each call, as prometheus-cpp families for the serializer.
std::vector<prometheus::MetricFamily> collect_process_metrics();

} // namespace janus::metrics
