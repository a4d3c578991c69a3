#include "model/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <utility>

namespace janus {

namespace {

/// How error messages name the top level of the file, which has no key path.
constexpr std::string_view top_level = "(top level)";

/// `path`, or a name for the top level when it is empty.
std::string display_path(const std::string& path) {
  if (path.empty()) {
    return std::string{top_level};
  }
  return path;
}

/// The optimal string alignment distance (Levenshtein plus transpositions) of two keys.
std::size_t edit_distance(std::string_view lhs, std::string_view rhs) {
  const std::size_t columns = rhs.size() + 1;
  std::vector<std::size_t> table((lhs.size() + 1) * columns);
  const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& {
    return table[i * columns + j];
  };
  for (std::size_t i = 0; i <= lhs.size(); ++i) {
    at(i, 0) = i;
  }
  for (std::size_t j = 0; j <= rhs.size(); ++j) {
    at(0, j) = j;
  }
  for (std::size_t i = 1; i <= lhs.size(); ++i) {
    for (std::size_t j = 1; j <= rhs.size(); ++j) {
      const std::size_t cost = lhs[i - 1] == rhs[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && lhs[i - 1] == rhs[j - 2] && lhs[i - 2] == rhs[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(lhs.size(), rhs.size());
}

/// The known key `key` is most likely a typo of, or an empty string when none is close: at most
/// two edits, and at most one for keys shorter than six characters.
std::string closest_key(std::string_view key, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto& candidate : known) {
    const std::size_t allowed = std::clamp<std::size_t>(candidate.size() / 3, 1, 2);
    const std::size_t distance = edit_distance(key, candidate);
    if (distance <= allowed && distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

/// A size limit for error messages, in the largest binary unit that divides it: `1KiB`, `1GiB`.
std::string format_size(std::size_t bytes) {
  constexpr std::pair<std::size_t, std::string_view> units[] = {
    {std::size_t{1} << 30, "GiB"}, {std::size_t{1} << 20, "MiB"}, {std::size_t{1} << 10, "KiB"}};
  for (const auto& [factor, name] : units) {
    if (bytes != 0 && bytes % factor == 0) {
      return std::to_string(bytes / factor) + std::string{name};
    }
  }
  return std::to_string(bytes) + "B";
}

/// Parses a decimal integer (an optional '-', then digits). Values beyond 64 bits saturate, so
/// that the caller's range check reports them.
std::int64_t parse_integer(const std::string& text, const std::string& path) {
  std::int64_t value = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || stop != end || error == std::errc::invalid_argument) {
    throw config_error(path + ": expected an integer, got " + quoted(text));
  }
  if (error == std::errc::result_out_of_range) {
    return text.front() == '-' ? std::numeric_limits<std::int64_t>::min()
                               : std::numeric_limits<std::int64_t>::max();
  }
  return value;
}

} // namespace

std::vector<yaml_entry> mapping_entries(const YAML::Node& node, const std::string& path) {
  std::vector<yaml_entry> entries;
  if (!node.IsDefined() || node.IsNull()) {
    return entries;
  }
  if (!node.IsMap()) {
    throw config_error(display_path(path) + ": expected a mapping of keys to values, got "
                       + describe(node));
  }
  for (const auto& pair : node) {
    if (!pair.first.IsScalar()) {
      throw config_error(display_path(path) + ": every key must be plain text, got "
                         + describe(pair.first));
    }
    std::string key = pair.first.Scalar();
    const bool repeated = std::any_of(entries.begin(), entries.end(),
                                      [&](const yaml_entry& entry) { return entry.key == key; });
    if (repeated) {
      throw config_error(join_path(path, key) + ": key given more than once");
    }
    entries.push_back(yaml_entry{std::move(key), pair.second});
  }
  return entries;
}

std::string join_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) {
    return std::string{key};
  }
  std::string result;
  result.reserve(parent.size() + 1 + key.size());
  result.append(parent).append(".").append(key);
  return result;
}

std::string quoted(std::string_view text) {
  std::string result;
  result.reserve(text.size() + 2);
  result.append("\"").append(text).append("\"");
  return result;
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) {
    return "nothing";
  }
  if (node.IsSequence()) {
    return "a list";
  }
  if (node.IsMap()) {
    return "a mapping";
  }
  return quoted(node.Scalar());
}

std::string scalar_text(const YAML::Node& node, const std::string& path,
                        std::string_view expected) {
  if (!node.IsDefined() || !node.IsScalar()) {
    throw config_error(display_path(path) + ": expected " + std::string{expected} + ", got "
                       + describe(node));
  }
  return node.Scalar();
}

// -- yaml_reader ---------------------------------------------------------------------------------

yaml_reader::yaml_reader(const YAML::Node& node, std::string path)
  : path_(std::move(path)), entries_(mapping_entries(node, path_)) {
}

std::string yaml_reader::key_path(std::string_view key) const {
  return join_path(path_, key);
}

std::optional<YAML::Node> yaml_reader::find(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
    known_.emplace_back(key);
  }
  for (const auto& entry : entries_) {
    if (entry.key == key) {
      if (entry.value.IsNull()) {
        return std::nullopt;
      }
      return entry.value;
    }
  }
  return std::nullopt;
}

std::string yaml_reader::read_string(std::string_view key, std::string fallback) {
  if (const auto value = find(key)) {
    return scalar_text(*value, key_path(key), "a string");
  }
  return fallback;
}

int yaml_reader::read_int(std::string_view key, int fallback, int min, int max) {
  const auto value = find(key);
  if (!value) {
    return fallback;
  }
  const std::string path = key_path(key);
  const std::string text = scalar_text(*value, path, "an integer");
  const std::int64_t number = parse_integer(text, path);
  if (number < min || number > max) {
    throw config_error(path + ": must be between " + std::to_string(min) + " and "
                       + std::to_string(max) + ", got " + text);
  }
  return static_cast<int>(number);
}

std::int64_t yaml_reader::read_int64(std::string_view key, std::int64_t fallback) {
  if (const auto value = find(key)) {
    const std::string path = key_path(key);
    return parse_integer(scalar_text(*value, path, "an integer"), path);
  }
  return fallback;
}

std::uint64_t yaml_reader::read_uint64(std::string_view key, std::uint64_t fallback) {
  const auto value = find(key);
  if (!value) {
    return fallback;
  }
  const std::string path = key_path(key);
  const std::string text = scalar_text(*value, path, "an integer");
  if (parse_integer(text, path) < 0) {
    throw config_error(path + ": must not be negative, got " + text);
  }
  std::uint64_t number = 0;
  const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc{}) {
    throw config_error(path + ": must be at most "
                       + std::to_string(std::numeric_limits<std::uint64_t>::max()) + ", got "
                       + text);
  }
  return number;
}

bool yaml_reader::read_bool(std::string_view key, bool fallback) {
  const auto value = find(key);
  if (!value) {
    return fallback;
  }
  const std::string path = key_path(key);
  std::string text = scalar_text(*value, path, "true or false");
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (lower == "true") {
    return true;
  }
  if (lower == "false") {
    return false;
  }
  throw config_error(path + ": expected true or false, got " + quoted(text));
}

double yaml_reader::read_double(std::string_view key, double fallback, double min, double max) {
  const auto value = find(key);
  if (!value) {
    return fallback;
  }
  const std::string path = key_path(key);
  const std::string text = scalar_text(*value, path, "a number");
  double number = 0;
  const char* const end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, number,
                                             std::chars_format::fixed);
  if (text.empty() || stop != end || error != std::errc{} || !std::isfinite(number)) {
    throw config_error(path + ": expected a number such as 1 or 0.5, got " + quoted(text));
  }
  if (number < min || number > max) {
    auto format = [](double n) {
      std::string s = std::to_string(n);
      s.erase(s.find_last_not_of('0') + 1);
      if (!s.empty() && s.back() == '.') {
        s.pop_back();
      }
      return s;
    };
    throw config_error(path + ": must be between " + format(min) + " and " + format(max)
                       + ", got " + text);
  }
  return number;
}

duration yaml_reader::read_duration(std::string_view key, duration fallback) {
  if (const auto value = find(key)) {
    const std::string path = key_path(key);
    return parse_duration(scalar_text(*value, path, "a duration"), path);
  }
  return fallback;
}

duration yaml_reader::read_positive_duration(std::string_view key, duration fallback) {
  const auto value = find(key);
  if (!value) {
    return fallback;
  }
  const std::string path = key_path(key);
  const std::string text = scalar_text(*value, path, "a duration");
  const duration result = parse_duration(text, path);
  if (result <= duration::zero()) {
    throw config_error(path + ": must be greater than 0 (at least 1ms), got " + quoted(text));
  }
  return result;
}

std::size_t yaml_reader::read_size(std::string_view key, std::size_t fallback, std::size_t min,
                                   std::size_t max) {
  const auto value = find(key);
  if (!value) {
    return fallback;
  }
  const std::string path = key_path(key);
  const std::string text = scalar_text(*value, path, "a size");
  const std::size_t result = parse_size(text, path);
  if (result < min || result > max) {
    throw config_error(path + ": must be between " + format_size(min) + " and " + format_size(max)
                       + ", got " + quoted(text));
  }
  return result;
}

yaml_reader yaml_reader::read_section(std::string_view key) {
  if (const auto value = find(key)) {
    return yaml_reader{*value, key_path(key)};
  }
  return yaml_reader{YAML::Node{}, key_path(key)};
}

void yaml_reader::finish() const {
  for (const auto& entry : entries_) {
    if (std::find(known_.begin(), known_.end(), entry.key) != known_.end()) {
      continue;
    }
    const std::string suggestion = closest_key(entry.key, known_);
    if (!suggestion.empty()) {
      throw config_error(key_path(entry.key) + ": unknown key (did you mean " + suggestion + "?)");
    }
    std::string list;
    for (const auto& known : known_) {
      list.append(list.empty() ? "" : ", ").append(known);
    }
    throw config_error(key_path(entry.key) + ": unknown key (known keys: " + list + ")");
  }
}

} // namespace janus
