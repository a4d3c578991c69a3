#include "apps/janus-init/init_args.hpp"

#include <gtest/gtest.h>

namespace janus::init {
namespace {

TEST(init_args, reads_the_port_the_wait_and_the_program_after_the_separator) {
  std::string error;
  auto args = parse_init_args({"9000", "35000", "--", "/janus-baseline", "--flag", "--"}, error);
  ASSERT_TRUE(args) << error;
  EXPECT_EQ(args->port, 9000);
  EXPECT_EQ(args->wait, std::chrono::milliseconds{35000});
  EXPECT_EQ(args->program, (std::vector<std::string>{"/janus-baseline", "--flag", "--"}))
    << "everything after the first -- is the program's, its own -- included";
}

TEST(init_args, anything_else_is_refused_with_a_message) {
  std::string error;
  EXPECT_FALSE(parse_init_args({"9000", "35000", "--"}, error));
  EXPECT_EQ(error, "usage: janus-init PORT WAIT_MS -- PROGRAM [ARG...]");
  EXPECT_FALSE(parse_init_args({"9000", "35000", "x", "/p"}, error));
  EXPECT_FALSE(parse_init_args({"0", "35000", "--", "/p"}, error));
  EXPECT_EQ(error, R"(PORT must be a number from 1 to 65535, got "0")");
  EXPECT_FALSE(parse_init_args({"65536", "35000", "--", "/p"}, error));
  EXPECT_FALSE(parse_init_args({"-1", "35000", "--", "/p"}, error));
  EXPECT_FALSE(parse_init_args({"9000", "0", "--", "/p"}, error));
  EXPECT_EQ(error, R"(WAIT_MS must be a number from 1 to 600000, got "0")");
  EXPECT_FALSE(parse_init_args({"9000", "1e3", "--", "/p"}, error));
  EXPECT_FALSE(parse_init_args({"9000", "35000", "--", ""}, error));
  EXPECT_EQ(error, "the program must not be empty");
}

} // namespace
} // namespace janus::init
