#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "model/config.hpp"

namespace janus {

/// One entry of a YAML mapping: its key as text and its value.
struct yaml_entry {
  std::string key;
  YAML::Node value;
};

/// The entries of a mapping node in file order. A missing or null node is an empty mapping.
/// Anything else that is not a mapping, a key that is not a scalar, and a key given twice are
/// config_errors naming `path` (an empty path is the top level of the file).
std::vector<yaml_entry> mapping_entries(const YAML::Node& node, const std::string& path);

/// The dotted path of `key` inside `parent`: `models` + `baseline` is `models.baseline`; an
/// empty parent gives the key alone.
std::string join_path(const std::string& parent, std::string_view key);

/// `text` in double quotes, for error messages.
std::string quoted(std::string_view text);

/// A short description of what a node holds, for error messages: `a mapping`, `a list`,
/// `nothing` or the quoted scalar text.
std::string describe(const YAML::Node& node);

/// The text of a scalar node. Any other node (a mapping, a list, null) is a config_error that
/// starts with `path` and says that `expected` was expected.
std::string scalar_text(const YAML::Node& node, const std::string& path,
                        std::string_view expected);

/// Reads the known keys of one YAML mapping of the configuration and rejects the rest, so that a
/// misspelt key is an error and never a silent default. Every read_* names a key the section
/// knows; a key that is absent or null yields the fallback. `finish()`, called after the last
/// read, throws for the first key of the mapping that no read asked for.
class yaml_reader {
public:
  /// Reads `node`, the mapping at dotted `path` ("" for the top level of the file).
  yaml_reader(const YAML::Node& node, std::string path);

  /// The dotted path of `key` in this mapping, for error messages.
  std::string key_path(std::string_view key) const;

  /// The value of `key`, or nullopt when it is absent or null. Marks the key as known.
  std::optional<YAML::Node> find(std::string_view key);

  /// A string key; any scalar is taken as its text.
  std::string read_string(std::string_view key, std::string fallback);

  /// An integer key in [min, max]. Floats, booleans and other text are errors.
  int read_int(std::string_view key, int fallback, int min, int max);

  /// An integer key whose range the caller checks; values beyond 64 bits saturate.
  std::int64_t read_int64(std::string_view key, std::int64_t fallback);

  /// A non-negative integer key without an upper bound.
  std::uint64_t read_uint64(std::string_view key, std::uint64_t fallback);

  /// A boolean key: `true` or `false` (any case).
  bool read_bool(std::string_view key, bool fallback);

  /// A decimal number key (`1`, `0.5`) in [min, max].
  double read_double(std::string_view key, double fallback, double min, double max);

  /// A duration key (see parse_duration); zero is allowed.
  duration read_duration(std::string_view key, duration fallback);

  /// A duration key that must be greater than zero.
  duration read_positive_duration(std::string_view key, duration fallback);

  /// A size key (see parse_size) in [min, max] bytes.
  std::size_t read_size(std::string_view key, std::size_t fallback, std::size_t min,
                        std::size_t max);

  /// The nested mapping under `key`; absent or null is an empty mapping.
  yaml_reader read_section(std::string_view key);

  /// Throws a config_error for the first key that no read asked for, suggesting the closest
  /// known key when it is a likely typo.
  void finish() const;

private:
  std::string path_;
  std::vector<yaml_entry> entries_;
  std::vector<std::string> known_;
};

} // namespace janus
