#pragma once

#include <string>
#include <string_view>

namespace janus {

/// What a build is: the release number of CMake's `project(... VERSION x.y.z)` and, for a
/// build from a git work tree, `git describe --tags --always --dirty` of that tree (e.g.
/// `7ebc797` or `v0.9.0-3-g7ebc797-dirty`); `git` is empty for a build without git (a tarball).
struct build_version {
  std::string_view number;
  std::string_view git;
};

/// The version of this build, written by apps/version/git_describe.cmake at build time.
build_version this_build();

/// The line that `--version` prints (without its newline): `janusd 0.9.0 (git 7ebc797)`, or
/// `janusd 0.9.0` for a build without git.
std::string version_line(std::string_view program, build_version version = this_build());

} // namespace janus
