#pragma once

#include <chrono>

namespace janus::actors {

/// The shortest and the longest pause between two readiness probes of a starting container.
constexpr std::chrono::milliseconds min_probe_delay{2};
constexpr std::chrono::milliseconds max_probe_delay{200};

/// The pause before the next readiness probe of a container that has been probed for
/// `probing_for` (since its runtime reported it started) without answering healthy: a tenth of
/// that, within [min_probe_delay, max_probe_delay]. So a container is seen ready at most about
/// 10% (at least 2 ms, at most 200 ms) after it is, whether it boots in 5 ms or in 20 s, and a
/// slow one costs few probes (about 200 in its first 30 s).
std::chrono::milliseconds next_probe_delay(std::chrono::milliseconds probing_for);

} // namespace janus::actors
