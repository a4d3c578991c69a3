#include "apps/janus-bench/option_values.hpp"
#include "model/ows.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace janus::bench {

namespace {

[[noreturn]] void fail(std::string_view flag, std::string_view what, std::string_view got) {
  std::string message{flag};
  message += ": ";
  message += what;
  message += ", got \"";
  message += got;
  message += '"';
  throw usage_error(message);
}

/// A finite decimal number (no sign), or false.
bool read_number(std::string_view text, double& value) {
  if (text.empty() || text.front() == '+' || text.front() == '-') {
    return false;
  }
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
      return false;
    }
  }
  std::string copy{text};
  char* end = nullptr;
  value = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && std::isfinite(value);
}

bool is_token_char(char c) {
  static constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || specials.find(c) != std::string_view::npos;
}

} // namespace

std::string target_url::text() const {
  return "http://" + host_header() + path;
}

std::string target_url::host_header() const {
  auto name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return name + ":" + std::to_string(port);
}

std::chrono::microseconds parse_duration(std::string_view flag, std::string_view text) {
  static constexpr std::string_view what
    = "must be a duration above 0 such as 500ms, 1.5s, 10s, 2m or 1h";
  struct unit {
    std::string_view suffix;
    double micros;
  };
  static constexpr unit units[] = {{"us", 1.0},        {"ms", 1e3}, {"s", 1e6},
                                   {"m", 60e6},        {"h", 3600e6}};
  std::string_view number = text;
  double scale = 1e6;
  for (const auto& u : units) {
    if (text.size() > u.suffix.size() && text.ends_with(u.suffix)) {
      auto rest = text.substr(0, text.size() - u.suffix.size());
      // "ms" also ends with "s": only accept a suffix whose remainder is a number.
      double probe = 0;
      if (read_number(rest, probe)) {
        number = rest;
        scale = u.micros;
        break;
      }
    }
  }
  double value = 0;
  if (!read_number(number, value)) {
    fail(flag, what, text);
  }
  double micros = value * scale;
  if (!(micros >= 1.0) || micros > 7.0 * 24 * 3600e6) {
    fail(flag, "must be between 1us and 7 days", text);
  }
  return std::chrono::microseconds{static_cast<std::int64_t>(std::llround(micros))};
}

std::vector<load_step> parse_steps(std::string_view flag, std::string_view text,
                                   unsigned max_level) {
  std::vector<load_step> steps;
  std::string_view rest = text;
  while (true) {
    auto comma = rest.find(',');
    auto part = trim_ows(rest.substr(0, comma));
    auto colon = part.find(':');
    if (colon == std::string_view::npos) {
      fail(flag, "must be LEVEL:DURATION[,LEVEL:DURATION...] such as 0:5s,32:10s,0:5s", text);
    }
    std::string level_flag{flag};
    level_flag += " (level)";
    load_step step;
    step.level = static_cast<unsigned>(
      parse_count(level_flag, trim_ows(part.substr(0, colon)), 0, max_level));
    step.length = parse_duration(flag, trim_ows(part.substr(colon + 1)));
    steps.push_back(step);
    if (comma == std::string_view::npos) {
      break;
    }
    rest = rest.substr(comma + 1);
  }
  return steps;
}

model_weight parse_model(std::string_view flag, std::string_view text) {
  model_weight model;
  auto eq = text.rfind('=');
  auto name = text.substr(0, eq);
  if (name.empty()) {
    fail(flag, "must be NAME or NAME=WEIGHT", text);
  }
  model.name = std::string{name};
  if (eq != std::string_view::npos) {
    std::string weight_flag{flag};
    weight_flag += " (weight)";
    model.weight = static_cast<unsigned>(parse_count(weight_flag, text.substr(eq + 1), 1, 10000));
  }
  return model;
}

header_field parse_header(std::string_view flag, std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    fail(flag, "must be \"Name: value\"", text);
  }
  auto name = text.substr(0, colon);
  for (char c : name) {
    if (!is_token_char(c)) {
      fail(flag, "the header name must be an HTTP token (letters, digits, -)", text);
    }
  }
  std::string lower{name};
  for (auto& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (lower == "content-length" || lower == "transfer-encoding") {
    fail(flag, "the tool sets Content-Length itself", text);
  }
  auto value = trim_ows(text.substr(colon + 1));
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') {
      fail(flag, "the header value must not contain CR, LF or NUL", text);
    }
  }
  return {std::string{name}, std::string{value}};
}

target_url parse_target(std::string_view flag, std::string_view text) {
  std::string_view rest = text;
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos) {
    auto name = rest.substr(0, scheme);
    if (name == "https") {
      fail(flag, "https is not supported (plain HTTP/1.1 only)", text);
    }
    if (name != "http") {
      fail(flag, "must be an http:// URL", text);
    }
    rest.remove_prefix(scheme + 3);
  }
  auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    fail(flag, "user info in the URL is not supported (use -H 'Authorization: ...')", text);
  }
  target_url url;
  std::string_view port_text;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      fail(flag, "an IPv6 address needs a closing ]", text);
    }
    url.host = std::string{authority.substr(1, close - 1)};
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        fail(flag, "must be http://host[:port][/path]", text);
      }
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    url.host = std::string{authority.substr(0, colon)};
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
    }
  }
  if (url.host.empty()) {
    fail(flag, "must name a host, e.g. http://127.0.0.1:8000", text);
  }
  if (!port_text.empty() || authority.ends_with(':')) {
    std::string port_flag{flag};
    port_flag += " (port)";
    url.port = static_cast<std::uint16_t>(parse_count(port_flag, port_text, 1, 65535));
  }
  std::string_view query;
  if (auto q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q);
    path = path.substr(0, q);
  }
  std::string base{path};
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  if (base.empty()) {
    url.path = "/v1/chat/completions";
  } else if (base.ends_with("/chat/completions")) {
    url.path = base;
  } else {
    url.path = base + "/chat/completions";
  }
  url.path += query;
  for (char c : url.path) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      fail(flag, "the path must not contain spaces or control characters", text);
    }
  }
  return url;
}

std::uint64_t parse_count(std::string_view flag, std::string_view text, std::uint64_t min,
                          std::uint64_t max) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value < min
      || value > max) {
    fail(flag, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max),
         text);
  }
  return value;
}

double parse_positive(std::string_view flag, std::string_view text, double max) {
  double value = 0;
  if (!read_number(text, value) || !(value > 0) || value > max) {
    char bound[32];
    std::snprintf(bound, sizeof(bound), "%g", max);
    fail(flag, std::string{"must be a number above 0 and at most "} + bound, text);
  }
  return value;
}

namespace {

/// The comma-separated parts of `text`, trimmed; an empty part is a usage error.
std::vector<std::string_view> split_list(std::string_view flag, std::string_view text,
                                         std::string_view what) {
  std::vector<std::string_view> parts;
  std::string_view rest = text;
  for (;;) {
    auto comma = rest.find(',');
    auto part = trim_ows(rest.substr(0, comma));
    if (part.empty()) {
      fail(flag, what, text);
    }
    parts.push_back(part);
    if (comma == std::string_view::npos) {
      break;
    }
    rest = rest.substr(comma + 1);
  }
  return parts;
}

} // namespace

slo_targets parse_slo(std::string_view flag, std::string_view text) {
  static constexpr std::string_view what
    = "must be NAME=DURATION[,...] with NAME ttft, tpot or e2e, such as ttft=200ms,tpot=50ms";
  slo_targets slo;
  for (auto part : split_list(flag, text, what)) {
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      fail(flag, what, text);
    }
    auto name = trim_ows(part.substr(0, eq));
    std::optional<std::chrono::microseconds>* target = nullptr;
    if (name == "ttft") {
      target = &slo.ttft;
    } else if (name == "tpot") {
      target = &slo.tpot;
    } else if (name == "e2e" || name == "e2el") {
      target = &slo.e2el;
    } else {
      fail(flag, "knows ttft, tpot and e2e (or e2el)", text);
    }
    if (*target) {
      fail(flag, std::string{name} + " is given twice", text);
    }
    *target = parse_duration(std::string{flag} + " (" + std::string{name} + ")",
                             trim_ows(part.substr(eq + 1)));
  }
  return slo;
}

std::vector<double> parse_percentiles(std::string_view flag, std::string_view text) {
  static constexpr std::string_view what = "must be numbers from 0 to 100 such as 50,90,95,99";
  std::vector<double> values;
  for (auto part : split_list(flag, text, what)) {
    double value = 0;
    if (!read_number(part, value) || value > 100) {
      fail(flag, what, text);
    }
    values.push_back(value);
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  if (values.size() > 20) {
    fail(flag, "at most 20 percentiles", text);
  }
  return values;
}

sweep_plan parse_sweep(std::string_view flag, std::string_view text, double max_rate,
                       unsigned max_clients) {
  static constexpr std::string_view what
    = "must be rate=R,R,... or concurrency=N,N,... such as rate=1,2,4,8";
  auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    fail(flag, what, text);
  }
  auto name = trim_ows(text.substr(0, eq));
  sweep_plan plan;
  if (name == "rate") {
    plan.parameter = sweep_parameter::rate;
  } else if (name == "concurrency") {
    plan.parameter = sweep_parameter::concurrency;
  } else {
    fail(flag, what, text);
  }
  const std::string value_flag = std::string{flag} + " (" + std::string{name} + ")";
  for (auto part : split_list(flag, text.substr(eq + 1), what)) {
    if (plan.parameter == sweep_parameter::rate) {
      plan.values.push_back(parse_positive(value_flag, part, max_rate));
    } else {
      plan.values.push_back(static_cast<double>(parse_count(value_flag, part, 1, max_clients)));
    }
  }
  if (plan.values.size() > 100) {
    fail(flag, "at most 100 values", text);
  }
  return plan;
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.10g", value);
  return text;
}

std::string format_steps(const std::vector<load_step>& steps) {
  std::string out;
  for (const auto& step : steps) {
    if (!out.empty()) {
      out += ',';
    }
    out += std::to_string(step.level) + ":" + format_duration(step.length);
  }
  return out;
}

std::string format_duration(std::chrono::microseconds value) {
  auto us = value.count();
  char text[48];
  if (us % 1000 != 0) {
    std::snprintf(text, sizeof(text), "%lldus", static_cast<long long>(us));
  } else if (us < 1'000'000) {
    std::snprintf(text, sizeof(text), "%lldms", static_cast<long long>(us / 1000));
  } else if (us % 1'000'000 == 0) {
    std::snprintf(text, sizeof(text), "%llds", static_cast<long long>(us / 1'000'000));
  } else {
    std::snprintf(text, sizeof(text), "%gs", static_cast<double>(us) / 1e6);
  }
  return text;
}

} // namespace janus::bench
