#pragma once

#include <spdlog/formatter.h>

#include <ctime>
#include <memory>

namespace janus::logging {

/// Renders every log line as one JSON object on one line:
/// `{"time":"2024-05-01T12:00:00.123Z","level":"info","msg":"...", <fields>}`. Fields of an
/// event keep their order and kind (numbers stay numbers); strings are escaped, invalid UTF-8
/// becomes U+FFFD, so every line parses.
class json_formatter final : public spdlog::formatter {
public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;

  std::unique_ptr<spdlog::formatter> clone() const override;

private:
  /// The `YYYY-MM-DDTHH:MM:SS` of the last line's second, reused while the second lasts.
  std::time_t cached_second_ = -1;
  char cached_text_[24] = {};
};

/// Appends `text` as the inside of a JSON string (no quotes).
void append_json_escaped(spdlog::memory_buf_t& dest, std::string_view text);

/// The level's name in logs: trace, debug, info, warn, error, critical, off.
std::string_view level_name(spdlog::level::level_enum level);

} // namespace janus::logging
