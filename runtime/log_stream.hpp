#pragma once

#include <cstdint>
#include <string_view>

namespace janus {

/// Which output stream of a container a line came from (the values are Docker's frame types).
enum class log_stream : std::uint8_t { stdout_stream = 1, stderr_stream = 2 };

/// The name a log line carries for its stream: "stdout" or "stderr".
constexpr std::string_view to_string(log_stream stream) noexcept {
  return stream == log_stream::stderr_stream ? "stderr" : "stdout";
}

} // namespace janus
