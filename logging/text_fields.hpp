#pragma once

#include <spdlog/pattern_formatter.h>

#include <memory>

namespace janus::logging {

/// The pattern flag (`%*` in janusd's text pattern) that renders an event's message followed by
/// its fields as `key=value`, quoting values that hold spaces, quotes or `=`. A plain spdlog
/// message renders as itself.
class text_fields_flag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm& time,
              spdlog::memory_buf_t& dest) override;

  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override;
};

/// The text formatter: `[2024-05-01 12:00:00.123] [info] message key=value ...` (local time).
std::unique_ptr<spdlog::formatter> make_text_formatter();

} // namespace janus::logging
