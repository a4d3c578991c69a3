#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <rapidjson/document.h>

namespace janus {

/// Why parse_bounded_json refused a text.
enum class json_refusal : std::uint8_t {
  none = 0,
  /// Not one JSON value followed by white space only.
  syntax,
  /// A string holds bytes that are not UTF-8.
  invalid_utf8,
  /// Objects and arrays nest deeper than the limit.
  too_deep,
};

/// What parse_bounded_json made of a text.
struct json_outcome {
  json_refusal refusal = json_refusal::none;
  /// Byte offset of the fault (of the first container past the limit for too_deep).
  std::size_t offset = 0;
  /// RapidJSON's words for a syntax error; empty otherwise.
  std::string_view what;

  bool ok() const noexcept {
    return refusal == json_refusal::none;
  }
};

/// Parses `text`, JSON from outside janusd (a client, the Docker engine), into `doc` with
/// RapidJSON's iterative parser: no recursion on nesting, and objects and arrays nested deeper
/// than `max_depth` are refused before they are built (the outermost one is depth 1). Strings
/// must be UTF-8; anything but white space after the value is a syntax error. On refusal `doc`
/// is null. Destroying `doc` does not recurse either (RapidJSON's pool allocator frees in bulk).
json_outcome parse_bounded_json(rapidjson::Document& doc, std::string_view text, int max_depth);

} // namespace janus
