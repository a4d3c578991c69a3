#include "metrics/text_format.hpp"

#include <charconv>
#include <cmath>

namespace janus::metrics {

namespace {

void append_labels(std::string& out, std::span<const label> labels, label extra) {
  if (labels.empty() && extra.name.empty()) {
    return;
  }
  out += '{';
  bool first = true;
  auto one = [&out, &first](const label& l) {
    if (!first) {
      out += ',';
    }
    first = false;
    out += l.name;
    out += "=\"";
    append_escaped_label_value(out, l.value);
    out += '"';
  };
  for (const auto& l : labels) {
    one(l);
  }
  if (!extra.name.empty()) {
    one(extra);
  }
  out += '}';
}

} // namespace

void append_header(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_escaped_help(out, help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void append_sample(std::string& out, std::string_view name, std::span<const label> labels,
                   double value, label extra) {
  out += name;
  append_labels(out, labels, extra);
  out += ' ';
  append_value(out, value);
  out += '\n';
}

void append_sample(std::string& out, std::string_view name, std::span<const label> labels,
                   std::uint64_t value, label extra) {
  out += name;
  append_labels(out, labels, extra);
  out += ' ';
  char text[24];
  auto end = std::to_chars(text, text + sizeof(text), value).ptr;
  out.append(text, end);
  out += '\n';
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_escaped_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char text[32];
    auto end = std::to_chars(text, text + sizeof(text), value).ptr;
    out.append(text, end);
  }
}

} // namespace janus::metrics
