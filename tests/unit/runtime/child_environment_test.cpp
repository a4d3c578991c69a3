#include "runtime/child_environment.hpp"

#include <gtest/gtest.h>

#include "model/config.hpp"

namespace janus {
namespace {

using strings = std::vector<std::string>;

const char* const parent[] = {
  "PATH=/usr/bin:/bin",
  "HOME=/root",
  "LANG=C.UTF-8",
  "LC_ALL=C",
  "LC_TIME=en_GB.UTF-8",
  "TZ=UTC",
  "JANUS_ADMIN_TOKEN=secret-admin-token",
  "JANUS_API_KEYS=sk-1,sk-2",
  "AWS_SECRET_ACCESS_KEY=abc",
  "LCX=not-a-locale",
  "malformed-without-equals",
  nullptr,
};

const strings default_inherit{"PATH", "HOME", "LANG", "LC_*", "TZ"};

TEST(child_environment, a_child_gets_only_the_allowlisted_variables_of_janusd) {
  auto env = child_environment(parent, default_inherit, {}, {});
  EXPECT_EQ(env, (strings{"HOME=/root", "LANG=C.UTF-8", "LC_ALL=C", "LC_TIME=en_GB.UTF-8",
                          "PATH=/usr/bin:/bin", "TZ=UTC"}));
}

TEST(child_environment, withheld_variables_never_reach_a_child_even_when_allowlisted) {
  auto env = child_environment(parent, {"PATH", "JANUS_*"}, {"JANUS_ADMIN_TOKEN"}, {});
  EXPECT_EQ(env, (strings{"JANUS_API_KEYS=sk-1,sk-2", "PATH=/usr/bin:/bin"}));
}

TEST(child_environment, the_overlay_is_added_and_wins_over_inherited_values) {
  auto env = child_environment(parent, {"PATH", "TZ"}, {},
                               {{"TZ", "Europe/Paris"}, {"PORT", "4000"}, {"HOST", "127.0.0.1"},
                                {"JANUS_PLATFORM_URL", "http://platform"}});
  EXPECT_EQ(env, (strings{"HOST=127.0.0.1", "JANUS_PLATFORM_URL=http://platform",
                          "PATH=/usr/bin:/bin", "PORT=4000", "TZ=Europe/Paris"}));
}

TEST(child_environment, an_empty_allowlist_passes_nothing_of_janusd) {
  auto env = child_environment(parent, {}, {}, {{"PORT", "1"}});
  EXPECT_EQ(env, strings{"PORT=1"});
}

TEST(child_environment, a_prefix_pattern_matches_names_that_start_with_it_only) {
  EXPECT_TRUE(env_name_matches("LC_*", "LC_ALL"));
  EXPECT_TRUE(env_name_matches("LC_*", "LC_"));
  EXPECT_FALSE(env_name_matches("LC_*", "LCX"));
  EXPECT_TRUE(env_name_matches("PATH", "PATH"));
  EXPECT_FALSE(env_name_matches("PATH", "PATHX"));
  EXPECT_FALSE(env_name_matches("PATH", "PAT"));
}

} // namespace
} // namespace janus
