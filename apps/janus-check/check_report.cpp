#include "apps/janus-check/check_report.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

namespace janus::check {

namespace {

using writer_type = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(writer_type& out, std::string_view text) {
  out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

std::string padded(std::string_view text, std::size_t width) {
  std::string out{text};
  if (out.size() < width) {
    out.append(width - out.size(), ' ');
  }
  return out;
}

std::string seconds_text(std::chrono::milliseconds value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(value.count()) / 1000.0);
  return text;
}

} // namespace

bool passed(const check_report& report) {
  return exit_status(report) == exit_passed;
}

std::vector<std::string> failed_rules(const check_report& report) {
  std::vector<std::string> out;
  for (const auto& result : report.rules) {
    if (result.required && result.outcome == verdict::fail) {
      out.emplace_back(to_string(result.rule));
    }
  }
  return out;
}

int exit_status(const check_report& report) {
  if (!report.environment_error.empty()) {
    return exit_environment;
  }
  if (report.rules.empty() || !failed_rules(report).empty()) {
    return exit_failed;
  }
  return exit_passed;
}

std::string failure_summary(const check_report& report) {
  if (!report.environment_error.empty()) {
    return report.environment_error;
  }
  std::string out;
  for (const auto& result : report.rules) {
    if (result.required && result.outcome == verdict::fail) {
      if (!out.empty()) {
        out += "; ";
      }
      out += std::string{to_string(result.rule)} + " (" + result.observed + ")";
    }
  }
  return out;
}

std::string render_text(const check_report& report) {
  std::string out = "janus-check " + report.subject;
  if (!report.runner.empty()) {
    out += " (" + report.runner + ")";
  }
  out += "\n";
  if (!report.environment_error.empty()) {
    return out + "cannot check: " + report.environment_error + "\n";
  }
  constexpr std::size_t rule_width = 14;
  constexpr std::size_t required_width = 10;
  constexpr std::size_t result_width = 8;
  out += padded("rule", rule_width) + padded("required", required_width)
         + padded("result", result_width) + "observed\n";
  for (const auto& result : report.rules) {
    out += padded(to_string(result.rule), rule_width)
           + padded(result.required ? "yes" : "no", required_width)
           + padded(to_string(result.outcome), result_width) + result.observed + "\n";
  }
  auto failed = failed_rules(report);
  if (failed.empty() && !report.rules.empty()) {
    out += "passed: every required rule holds";
  } else {
    out += "FAILED:";
    for (std::size_t i = 0; i < failed.size(); ++i) {
      out += (i == 0 ? " " : ", ") + failed[i];
    }
  }
  return out + " (" + seconds_text(report.took) + ")\n";
}

std::string render_json(const check_report& report) {
  rapidjson::StringBuffer buffer;
  writer_type out{buffer};
  out.StartObject();
  out.Key("subject");
  write_string(out, report.subject);
  out.Key("runner");
  write_string(out, report.runner);
  out.Key("passed");
  out.Bool(passed(report));
  out.Key("exit_status");
  out.Int(exit_status(report));
  out.Key("error");
  if (report.environment_error.empty()) {
    out.Null();
  } else {
    write_string(out, report.environment_error);
  }
  out.Key("failed_rules");
  out.StartArray();
  for (const auto& name : failed_rules(report)) {
    write_string(out, name);
  }
  out.EndArray();
  out.Key("took_ms");
  out.Int64(report.took.count());
  out.Key("boot_ms");
  if (report.boot) {
    out.Int64(report.boot->count());
  } else {
    out.Null();
  }
  out.Key("idle_memory_bytes");
  if (report.idle_memory) {
    out.Uint64(report.idle_memory->usage);
  } else {
    out.Null();
  }
  out.Key("memory_limit_bytes");
  if (report.idle_memory) {
    out.Uint64(report.idle_memory->limit);
  } else {
    out.Null();
  }
  out.Key("sigterm_ms");
  if (report.sigterm) {
    out.Int64(report.sigterm->count());
  } else {
    out.Null();
  }
  out.Key("rules");
  out.StartArray();
  for (const auto& result : report.rules) {
    out.StartObject();
    out.Key("rule");
    write_string(out, to_string(result.rule));
    out.Key("required");
    out.Bool(result.required);
    out.Key("result");
    write_string(out, to_string(result.outcome));
    out.Key("observed");
    write_string(out, result.observed);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  return std::string{buffer.GetString(), buffer.GetSize()} + "\n";
}

} // namespace janus::check
