#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "apps/janus-check/check_rule.hpp"
#include "apps/janus-check/contract_rules.hpp"

namespace janus::check {

/// janus-check's exit statuses.
inline constexpr int exit_passed = 0;
inline constexpr int exit_failed = 1;
inline constexpr int exit_usage = 2;
/// No Docker engine answers, or the image is not in it: the check could not run.
inline constexpr int exit_environment = 3;

/// What one check found: every rule's result, the figures behind them, and whether it could run
/// at all. `rules` lists each rule once, in all_rules order, once the check ran.
struct check_report {
  /// What was checked: the image, or the URL of a running server.
  std::string subject;
  /// How it was run, e.g. "docker, bridged, published on 127.0.0.1:32771".
  std::string runner;
  std::vector<rule_result> rules;
  /// From the container's start to its first 200 on /health.
  std::optional<std::chrono::milliseconds> boot;
  /// The container's memory once ready.
  std::optional<memory_reading> idle_memory;
  /// From SIGTERM to the container's end.
  std::optional<std::chrono::milliseconds> sigterm;
  /// The whole check, start and removal included.
  std::chrono::milliseconds took{0};
  /// Why the check could not run (no Docker engine answers, no such image); empty when it ran.
  std::string environment_error;
  /// Set with environment_error when what was to be checked is not there (the image).
  bool subject_missing = false;
};

/// Whether the check ran and every required rule holds (a skipped rule neither holds nor fails).
bool passed(const check_report& report);

/// The names of the required rules that failed, in report order.
std::vector<std::string> failed_rules(const check_report& report);

/// exit_passed, exit_failed or exit_environment.
int exit_status(const check_report& report);

/// The failed required rules with what was observed, for one line of text:
/// `stream (the stream ended without data: [DONE] after 18 chunks); sigterm (...)`.
std::string failure_summary(const check_report& report);

/// The report as a table: a heading, one row per rule (rule, required?, result, observed),
/// and a last line with the verdict and the time the check took.
std::string render_text(const check_report& report);

/// The report as one JSON object (field names in apps/janus-check/README.md).
std::string render_json(const check_report& report);

} // namespace janus::check
