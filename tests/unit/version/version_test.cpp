#include "apps/version/version.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace janus {
namespace {

TEST(version, the_line_names_the_program_the_number_and_the_git_description) {
  EXPECT_EQ(version_line("janusd", {"0.9.0", "7ebc797"}), "janusd 0.9.0 (git 7ebc797)");
  EXPECT_EQ(version_line("janus-bench", {"1.2.3", "v1.2.3-4-g7ebc797-dirty"}),
            "janus-bench 1.2.3 (git v1.2.3-4-g7ebc797-dirty)");
}

TEST(version, a_build_without_git_says_only_the_number) {
  EXPECT_EQ(version_line("janusd", {"0.9.0", ""}), "janusd 0.9.0");
}

TEST(version, this_build_carries_the_number_of_cmakes_project_version) {
  EXPECT_EQ(this_build().number, JANUS_PROJECT_VERSION);
  EXPECT_TRUE(std::regex_match(std::string{this_build().git}, std::regex{"[A-Za-z0-9._+-]*"}))
    << this_build().git;
}

} // namespace
} // namespace janus
