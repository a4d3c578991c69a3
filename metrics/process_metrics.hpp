#pragma once

#include <string>

namespace janus::metrics {

/// Appends the standard process metrics (resident memory, open file descriptors, CPU seconds,
/// start time) in the Prometheus text exposition format, read from /proc/self.
void append_process_metrics(std::string& out);

} // namespace janus::metrics
