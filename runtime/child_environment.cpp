#include "runtime/child_environment.hpp"

#include <algorithm>
#include <string_view>

#include "model/config.hpp"

namespace janus {

std::vector<std::string> child_environment(const char* const* parent,
                                           const std::vector<std::string>& inherit,
                                           const std::vector<std::string>& withheld,
                                           const std::map<std::string, std::string>& overlay) {
  std::map<std::string, std::string> merged;
  auto matches_any = [](const std::vector<std::string>& patterns, std::string_view name) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [name](const std::string& pattern) { return env_name_matches(pattern, name); });
  };
  for (auto entry = parent; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text{*entry};
    auto eq = text.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    auto name = text.substr(0, eq);
    if (matches_any(inherit, name) && !matches_any(withheld, name)) {
      merged.emplace(std::string{name}, std::string{text.substr(eq + 1)});
    }
  }
  for (const auto& [key, value] : overlay) {
    merged[key] = value;
  }
  std::vector<std::string> result;
  result.reserve(merged.size());
  for (const auto& [key, value] : merged) {
    result.push_back(key + "=" + value);
  }
  return result;
}

} // namespace janus
