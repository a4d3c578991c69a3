#include "model/fallback_config.hpp"

#include <array>

namespace janus {

namespace {

constexpr std::array<std::string_view, fallback_reason_count> reason_names{
  "no_capacity", "start_failed", "queue_full", "retries_failed"};

} // namespace

std::string_view to_string(fallback_reason reason) {
  auto index = static_cast<std::size_t>(reason);
  return index < reason_names.size() ? reason_names[index] : "unknown";
}

std::optional<fallback_reason> parse_fallback_reason(std::string_view text) {
  for (std::size_t i = 0; i < reason_names.size(); ++i) {
    if (reason_names[i] == text) {
      return static_cast<fallback_reason>(i);
    }
  }
  return std::nullopt;
}

std::optional<fallback_reason> fallback_reason_of(const error_info& error, bool from_attempt) {
  if (from_attempt) {
    if (error.code == errc::upstream_failed || error.code == errc::upstream_timeout) {
      return fallback_reason::retries_failed;
    }
    return std::nullopt;
  }
  switch (error.code) {
    case errc::no_capacity:
      return error.start_failed ? fallback_reason::start_failed : fallback_reason::no_capacity;
    case errc::queue_timeout:
      return fallback_reason::no_capacity;
    case errc::queue_full:
      return fallback_reason::queue_full;
    default:
      return std::nullopt;
  }
}

} // namespace janus
