// Every program prints one version line with --version, and the build writes the git
// description only for a build from the top of a git work tree (not from a tarball, not even
// one unpacked inside another repository).

#include "tests/support/child_process.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::vector<std::string> programs() {
  std::vector<std::string> names;
  std::istringstream list{JANUS_PROGRAMS};
  for (std::string name; std::getline(list, name, ',');) {
    names.push_back(name);
  }
  return names;
}

fs::path scratch(const std::string& name) {
  auto dir = fs::temp_directory_path() / "janus-tests" / ("version." + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// Runs `argv` to its end; its exit status and output.
std::pair<int, std::string> run(std::vector<std::string> argv, const fs::path& log) {
  auto program = argv.front();
  child_process child{std::move(argv), {}, log};
  auto status = child.wait_for_exit(30s);
  EXPECT_TRUE(status) << program << " still runs after 30 s";
  return {status.value_or(-1), child.log()};
}

/// The git description apps/version/git_describe.cmake writes for a tree at `source`.
std::string described_for(const fs::path& source, const fs::path& dir) {
  auto output = dir / "build_info.cpp";
  auto [status, log] = run({JANUS_CMAKE_COMMAND, "-DSOURCE_DIR=" + source.string(),
                            "-DVERSION=1.2.3",
                            "-DTEMPLATE=" JANUS_SOURCE_DIR "/apps/version/build_info.cpp.in",
                            "-DOUTPUT=" + output.string(), "-P",
                            JANUS_SOURCE_DIR "/apps/version/git_describe.cmake"},
                           dir / "cmake.log");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log;
  std::ifstream in{output};
  std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  std::smatch found;
  EXPECT_TRUE(std::regex_search(text, found, std::regex{R"re(return \{"1\.2\.3", "([^"]*)"\};)re"}))
    << text;
  return found.size() > 1 ? found[1].str() : "?";
}

TEST(version, every_program_prints_its_name_the_project_version_and_the_git_description) {
  auto dir = scratch("programs");
  bool from_git = fs::exists(JANUS_SOURCE_DIR "/.git");
  std::regex shape{R"((\S+) (\d+\.\d+\.\d+)( \(git [A-Za-z0-9._+-]+\))?\n)"};
  for (const auto& program : programs()) {
    auto [status, output] =
      run({std::string{JANUS_BIN_DIR} + "/" + program, "--version"}, dir / (program + ".log"));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << program << ": " << output;
    std::smatch parts;
    ASSERT_TRUE(std::regex_match(output, parts, shape)) << program << ": \"" << output << "\"";
    EXPECT_EQ(parts[1].str(), program);
    EXPECT_EQ(parts[2].str(), JANUS_PROJECT_VERSION);
    if (from_git) {
      EXPECT_TRUE(parts[3].matched) << program << " was built from git but does not say so";
    }
  }
  fs::remove_all(dir);
}

TEST(version, a_tree_without_git_is_described_by_the_number_alone) {
  auto dir = scratch("tarball");
  auto tarball = dir / "janus-0.9.0";
  fs::create_directories(tarball);
  EXPECT_EQ(described_for(tarball, dir), "");
  fs::remove_all(dir);
}

TEST(version, a_tree_inside_another_git_work_tree_is_not_described_by_that_tree) {
  if (!fs::exists(JANUS_SOURCE_DIR "/.git")) {
    GTEST_SKIP() << "the source tree is not a git work tree";
  }
  auto dir = scratch("nested");
  EXPECT_EQ(described_for(JANUS_SOURCE_DIR "/docs", dir), "");
  EXPECT_NE(described_for(JANUS_SOURCE_DIR, dir), "");
  fs::remove_all(dir);
}

} // namespace
} // namespace janus::test
