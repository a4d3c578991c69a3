#pragma once

#include <spdlog/common.h>

#include <optional>
#include <string>
#include <string_view>

namespace janus::logging {

/// How janusd writes its log (to stdout).
struct options {
  spdlog::level::level_enum level = spdlog::level::info;
  /// One JSON object per line; text (`[time] [level] message key=value ...`) otherwise.
  bool json = false;
};

/// A level by name: trace, debug, info, warn (or warning), error (or err), critical, off; any
/// case. nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_level(std::string_view name);

/// The level janusd logs at, and a note when the environment's value was ignored.
struct level_choice {
  spdlog::level::level_enum level = spdlog::level::info;
  /// Why `environment` was not used, e.g. `JANUS_LOG_LEVEL="loud" is not a level`; empty if
  /// it was used or unset.
  std::string ignored;
};

/// The configured level (`log.level`), unless `environment` (JANUS_LOG_LEVEL, may be null or
/// empty) names a valid level: then that one.
level_choice choose_level(std::string_view configured, const char* environment);

/// Makes spdlog's default logger write to stdout in the format and at the level of `opts`:
/// through a batching_sink (a thread that logs formats and buffers its line; the sink's writer
/// thread writes every 50 ms), or, for text on a terminal, line by line in colour. Call once,
/// early in main and after blocking signals: the writer thread inherits the signal mask.
void configure(const options& opts);

/// Writes every line still buffered and stops the writer thread; call before main returns.
void shutdown();

} // namespace janus::logging
