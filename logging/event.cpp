#include "logging/event.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "logging/payload.hpp"

namespace janus::logging {

namespace {

/// Appends `text`, with the separators of the encoding (and other control characters except
/// tab) replaced, so that a value can never forge a field.
void append_clean(spdlog::memory_buf_t& out, std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 && c != '\t' && c != '\n' ? '?' : c);
  }
}

} // namespace

bool enabled(spdlog::level::level_enum level) noexcept {
  return spdlog::default_logger_raw()->should_log(level);
}

event::event(std::string_view message) {
  append_clean(buffer_, message);
}

void event::key(std::string_view name, char kind) {
  buffer_.push_back(field_separator);
  append_clean(buffer_, name);
  buffer_.push_back(kind);
}

event& event::field(std::string_view key_name, std::string_view value) {
  key(key_name, string_kind);
  append_clean(buffer_, value);
  return *this;
}

event& event::field(std::string_view key_name, bool value) {
  key(key_name, number_kind);
  append_clean(buffer_, value ? "true" : "false");
  return *this;
}

event& event::number(std::string_view key_name, std::int64_t value) {
  key(key_name, number_kind);
  fmt::format_to(std::back_inserter(buffer_), "{}", value);
  return *this;
}

event& event::millis(std::string_view key_name, std::chrono::nanoseconds value) {
  key(key_name, number_kind);
  auto micros = std::max<std::int64_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(value).count(), 0);
  fmt::format_to(std::back_inserter(buffer_), "{}.{:03}", micros / 1000, micros % 1000);
  return *this;
}

void event::log(spdlog::level::level_enum level) const {
  auto* logger = spdlog::default_logger_raw();
  if (logger->should_log(level)) {
    logger->log(level, spdlog::string_view_t{buffer_.data(), buffer_.size()});
  }
}

} // namespace janus::logging
