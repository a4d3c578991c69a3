#include "runtime/fd_limit.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cerrno>

namespace janus {
namespace {

rlimit current_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return limit;
}

TEST(fd_limit, a_soft_limit_below_the_hard_one_is_raised_to_it) {
  auto limit = current_limit();
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max <= 256) {
    GTEST_SKIP() << "the hard limit is too low to lower the soft one below it";
  }
  limit.rlim_cur = 256;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);

  auto change = raise_fd_limit();

  EXPECT_TRUE(change.error.empty()) << change.error;
  EXPECT_EQ(change.before, 256u);
  EXPECT_EQ(change.after, change.hard);
  EXPECT_EQ(current_limit().rlim_cur, limit.rlim_max);
  EXPECT_EQ(startup_fd_limit(), 256u) << "children get the limit janusd started with";
}

TEST(fd_limit, a_soft_limit_at_the_hard_one_stays_as_it_is) {
  auto limit = current_limit();
  limit.rlim_cur = limit.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);

  auto change = raise_fd_limit();

  EXPECT_TRUE(change.error.empty()) << change.error;
  EXPECT_EQ(change.before, change.after);
  EXPECT_EQ(current_limit().rlim_cur, limit.rlim_max);
}

TEST(fd_limit, running_out_of_descriptors_says_so_with_the_limit) {
  auto limit = current_limit();
  limit.rlim_cur = 300;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < 300) {
    GTEST_SKIP() << "the hard limit is below 300";
  }
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);

  auto message = errno_message("socket", EMFILE);

  EXPECT_EQ(message.rfind("socket: Too many open files (janusd ran out of file descriptors", 0), 0u)
    << message;
  EXPECT_NE(message.find("its limit is 300 open files"), std::string::npos) << message;
  EXPECT_NE(message.find("LimitNOFILE"), std::string::npos) << message;
}

TEST(fd_limit, a_thousand_containers_need_more_than_the_usual_soft_limit) {
  EXPECT_GT(descriptors_needed(1000), 1024u);
  EXPECT_LT(descriptors_needed(200), 1024u);
  EXPECT_GT(descriptors_needed(201), descriptors_needed(200)) << "grows with the containers";
}

TEST(fd_limit, other_errors_are_the_call_and_strerror_alone) {
  EXPECT_EQ(errno_message("bind 127.0.0.1:0", EADDRINUSE), "bind 127.0.0.1:0: Address already in use");
}

} // namespace
} // namespace janus
