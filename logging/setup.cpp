#include "logging/setup.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "logging/json_formatter.hpp"
#include "logging/batching_sink.hpp"
#include "logging/text_fields.hpp"

namespace janus::logging {

namespace {

/// The longest a line waits in the sink's buffer.
constexpr auto batch_interval = std::chrono::milliseconds(50);

/// Bytes buffered at most (stdout blocked or too slow); beyond, new lines are dropped.
constexpr std::size_t max_buffered = 8 * 1024 * 1024;

} // namespace

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) {
  std::string lower{name};
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  using spdlog::level::level_enum;
  if (lower == "trace") {
    return level_enum::trace;
  }
  if (lower == "debug") {
    return level_enum::debug;
  }
  if (lower == "info") {
    return level_enum::info;
  }
  if (lower == "warn" || lower == "warning") {
    return level_enum::warn;
  }
  if (lower == "error" || lower == "err") {
    return level_enum::err;
  }
  if (lower == "critical") {
    return level_enum::critical;
  }
  if (lower == "off") {
    return level_enum::off;
  }
  return std::nullopt;
}

level_choice choose_level(std::string_view configured, const char* environment) {
  level_choice out;
  out.level = parse_level(configured).value_or(spdlog::level::info);
  if (environment == nullptr || *environment == '\0') {
    return out;
  }
  if (auto from_env = parse_level(environment)) {
    out.level = *from_env;
  } else {
    out.ignored = "JANUS_LOG_LEVEL=\"" + std::string{environment}
                  + "\" is not a level (trace, debug, info, warn, error, off); using "
                  + std::string{configured};
  }
  return out;
}

void configure(const options& opts) {
  spdlog::sink_ptr sink;
  if (!opts.json && ::isatty(STDOUT_FILENO) == 1) {
    // A person watching a terminal: colours, every line at once.
    sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
  } else {
    sink = std::make_shared<batching_sink>(STDOUT_FILENO, batch_interval, max_buffered);
  }
  if (opts.json) {
    sink->set_formatter(std::make_unique<json_formatter>());
  } else {
    sink->set_formatter(make_text_formatter());
  }
  auto logger = std::make_shared<spdlog::logger>("janusd", std::move(sink));
  logger->set_level(opts.level);
  logger->flush_on(spdlog::level::warn); // warnings and errors go out at once
  spdlog::set_default_logger(std::move(logger));
}

void shutdown() {
  spdlog::shutdown();
}

} // namespace janus::logging
