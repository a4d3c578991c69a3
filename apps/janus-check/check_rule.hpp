#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

/// The rules of the Janus container contract that janus-check checks, and what one check of a
/// rule found. Plain values: no I/O.
namespace janus::check {

/// One rule of the contract (apps/janus-check/README.md says what each checks and why).
enum class rule_id : std::uint8_t {
  /// `GET /health` answers 200 within the startup timeout.
  health,
  /// A non-stream chat completion in OpenAI's shape.
  chat,
  /// A streamed chat completion in OpenAI's shape, ending with `data: [DONE]`.
  stream,
  /// A stream with `stream_options.include_usage` ends with a usage chunk.
  stream_usage,
  /// `GET /v1/models`, when served, is OpenAI's list.
  models,
  /// A malformed body gets a 4xx.
  errors,
  /// SIGTERM ends the container within the grace period.
  sigterm,
  /// The container's memory once it is ready (informational unless a maximum is given).
  idle_memory,
};

/// Every rule, in the order reports list them.
inline constexpr std::array all_rules{rule_id::health,       rule_id::chat,   rule_id::stream,
                                      rule_id::stream_usage, rule_id::models, rule_id::errors,
                                      rule_id::sigterm,      rule_id::idle_memory};

/// The rule's name as reports and the JSON show it, e.g. "stream_usage".
std::string_view to_string(rule_id rule);

/// What checking a rule gave.
enum class verdict : std::uint8_t {
  pass,
  fail,
  /// Not checked, and the report says why (e.g. `--url` cannot send SIGTERM).
  skip,
};

/// "pass", "fail" or "skip".
std::string_view to_string(verdict outcome);

/// One rule's outcome with what was observed. `observed` is one line of valid UTF-8 that holds
/// at most a short, cleaned excerpt of the container's own bytes.
struct rule_result {
  rule_id rule = rule_id::health;
  /// Whether a failure of this rule fails the check.
  bool required = true;
  verdict outcome = verdict::fail;
  /// What was seen, e.g. "200 after 43 ms" or "the stream ended without data: [DONE]".
  std::string observed;
};

} // namespace janus::check
