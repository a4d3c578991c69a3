#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string_view>

namespace janus::bench {

/// How deep the answers' JSON may nest (a chat chunk nests 4 levels).
inline constexpr unsigned max_json_depth = 64;

/// Parses outside bytes (a server's answer) as one JSON value with RapidJSON's iterative
/// parser, so nothing recurses on the input's depth, and at most `max_depth` arrays and
/// objects deep. None when `text` is not JSON (trailing bytes included) or nests deeper.
std::optional<rapidjson::Document> parse_bounded_json(std::string_view text,
                                                      unsigned max_depth = max_json_depth);

} // namespace janus::bench
