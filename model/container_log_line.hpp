#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace janus {

/// One line a container wrote, as janusd keeps it for `GET /admin/containers/{id}/logs`.
struct container_log_line {
  std::chrono::system_clock::time_point at;
  /// "stdout" or "stderr".
  std::string_view stream;
  /// The line without its '\n', at most the configured line length.
  std::string text;
  /// The line was longer and is cut to `text`.
  bool cut = false;
};

} // namespace janus
