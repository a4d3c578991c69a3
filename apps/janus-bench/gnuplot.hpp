#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace janus::bench {

/// Runs `gnuplot SCRIPT` (found in PATH) and waits for it, at most `timeout` (then kills it).
/// Returns why it failed, e.g. that gnuplot is not installed; nothing on success.
std::optional<std::string> run_gnuplot(const std::string& script_path,
                                       std::chrono::milliseconds timeout);

} // namespace janus::bench
