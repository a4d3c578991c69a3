#pragma once

#include <map>
#include <string>
#include <vector>

namespace janus {

/// The environment of a process-runtime child, as `NAME=value` strings sorted by name: the
/// variables of `parent` (janusd's own, `environ`-style, null-terminated) whose names match one
/// of `inherit` (a name, or a prefix ending in `*`) and none of `withheld` (names that hold
/// janusd's secrets, e.g. the admin token's variable: never passed, whatever `inherit` says),
/// then `overlay` (the platform variables, the model's `env`, PORT and HOST), whose values win.
/// Pure: no other variable of janusd reaches a child.
std::vector<std::string> child_environment(const char* const* parent,
                                           const std::vector<std::string>& inherit,
                                           const std::vector<std::string>& withheld,
                                           const std::map<std::string, std::string>& overlay);

} // namespace janus
