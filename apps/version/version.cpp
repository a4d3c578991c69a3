#include "apps/version/version.hpp"

namespace janus {

std::string version_line(std::string_view program, build_version version) {
  std::string line{program};
  line += ' ';
  line += version.number;
  if (!version.git.empty()) {
    line += " (git ";
    line += version.git;
    line += ')';
  }
  return line;
}

} // namespace janus
