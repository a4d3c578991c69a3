#pragma once

#include <optional>
#include <string_view>

namespace janus {

/// Where a YAML text first nests deeper than a limit (1-based, as editors count).
struct yaml_position {
  int line = 0;
  int column = 0;
};

/// Checks how deep the first document of `text` nests mappings and sequences, flow (`[`, `{`)
/// and block (indentation, `- `) alike, against `max_depth` (the outermost collection is depth
/// 1), before the text is built into nodes. The levels are counted on yaml-cpp's own parse
/// events, so the count is yaml-cpp's, not an estimate: the parse is abandoned as the first
/// collection past the limit starts, so yaml-cpp's recursive parser never goes deeper than
/// `max_depth` levels. Returns where that collection starts, or nullopt when the text is within
/// the limit or is not valid YAML (loading it reports the syntax error).
std::optional<yaml_position> find_excess_nesting(std::string_view text, int max_depth);

} // namespace janus
