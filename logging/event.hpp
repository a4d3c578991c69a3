#pragma once

#include <spdlog/common.h>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <string_view>

namespace janus::logging {

/// Whether the default logger writes lines of `level`: check before building a costly event.
bool enabled(spdlog::level::level_enum level) noexcept;

/// One structured log line: a message and named fields (strings or numbers), written through
/// spdlog's default logger and rendered by the configured format: `msg key=value ...` as text,
/// one JSON object per line as json. Built in an inline buffer: a typical line allocates
/// nothing until spdlog copies it.
///
///     logging::event{"container ready"}.field("model", name).field("port", port).info();
class event {
public:
  explicit event(std::string_view message);

  event(const event&) = delete;
  event& operator=(const event&) = delete;

  /// A string field (control characters that would break the encoding become '?').
  event& field(std::string_view key, std::string_view value);

  event& field(std::string_view key, const char* value) {
    return field(key, std::string_view{value});
  }

  template <std::integral Int>
    requires(!std::same_as<Int, bool>)
  event& field(std::string_view key, Int value) {
    return number(key, static_cast<std::int64_t>(value));
  }

  event& field(std::string_view key, bool value);

  /// A duration as a number of milliseconds with microsecond precision, e.g. `queue_ms=0.125`.
  event& millis(std::string_view key, std::chrono::nanoseconds value);

  /// Writes the line at `level` (nothing when the level is off).
  void log(spdlog::level::level_enum level) const;

  void debug() const {
    log(spdlog::level::debug);
  }

  void info() const {
    log(spdlog::level::info);
  }

  void warn() const {
    log(spdlog::level::warn);
  }

  void error() const {
    log(spdlog::level::err);
  }

  /// The encoded payload (see payload.hpp), for tests.
  std::string_view payload() const noexcept {
    return {buffer_.data(), buffer_.size()};
  }

private:
  event& number(std::string_view key, std::int64_t value);

  void key(std::string_view name, char kind);

  spdlog::memory_buf_t buffer_;
};

} // namespace janus::logging
