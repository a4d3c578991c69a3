#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace janus::metrics {

/// One label of a sample: name and (unescaped) value.
struct label {
  std::string_view name;
  std::string_view value;
};

// The Prometheus text exposition format 0.0.4, one piece at a time. Every function appends to
// `out`; callers write each family's header once, then its samples.

/// `# HELP name help` and `# TYPE name type` (type: counter, gauge, histogram, untyped).
void append_header(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help);

/// `name{a="x",b="y"} value`; no braces without labels. `extra` (e.g. a histogram's `le`) is
/// written after `labels` when its name is not empty.
void append_sample(std::string& out, std::string_view name, std::span<const label> labels,
                   double value, label extra = {});

void append_sample(std::string& out, std::string_view name, std::span<const label> labels,
                   std::uint64_t value, label extra = {});

inline void append_sample(std::string& out, std::string_view name,
                          std::initializer_list<label> labels, double value) {
  append_sample(out, name, std::span<const label>{labels.begin(), labels.size()}, value);
}

/// A label value escaped as the format requires: `\` → `\\`, `"` → `\"`, newline → `\n`.
void append_escaped_label_value(std::string& out, std::string_view value);

/// A HELP text escaped: `\` → `\\`, newline → `\n`.
void append_escaped_help(std::string& out, std::string_view help);

/// A sample value: the shortest text that reads back as the same double; `+Inf`, `-Inf`, `NaN`.
void append_value(std::string& out, double value);

} // namespace janus::metrics
