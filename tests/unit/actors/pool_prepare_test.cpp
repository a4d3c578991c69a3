// The pool actor around rule 11 of decide() (prepared containers): what it asks of the runtime
// and when. The rule itself is tested in pool_plan_prepare_test.cpp.
#include "tests/unit/actors/pool_fixture.hpp"

#include <gtest/gtest.h>

namespace janus::actors::test_kit {
namespace {

using namespace std::chrono_literals;
using strings = std::vector<std::string>;

class pool_prepare : public pool_fixture {
protected:
  void SetUp() override {
    runtime_.prepares_enabled = true;
  }

  /// Answers prepare call `index` as the runtime does and runs.
  void answer_prepare(std::size_t index, result<int> done) {
    ASSERT_LT(index, runtime_.prepares.size());
    runtime_.prepares[index].on_done(std::move(done));
    sys_.run();
  }
};

TEST_F(pool_prepare, prepares_once_nothing_starts_and_again_after_a_start_took_the_prepared_one) {
  spawn_pool(small_model());
  EXPECT_TRUE(runtime_.prepares.empty()) << "the min_warm start goes first";
  bring_up(0);
  ASSERT_EQ(runtime_.prepares.size(), 1u);
  EXPECT_EQ(runtime_.prepares[0].ahead, 1);
  EXPECT_EQ(runtime_.prepares[0].spec.model, "m");
  EXPECT_EQ(runtime_.prepares[0].spec.labels.at("janus.model"), "m") << "the spec of a start";
  answer_prepare(0, 1);
  sys_.advance(3s);
  EXPECT_EQ(runtime_.prepares.size(), 1u) << "one is prepared: nothing more to ask";

  // The only container gets busy: min_warm starts another, which takes the prepared one.
  auto held = acquire();
  ASSERT_EQ(runtime_.starts(), 2u);
  EXPECT_EQ(runtime_.prepares.size(), 1u) << "not while a container starts";
  bring_up(1);
  ASSERT_EQ(runtime_.prepares.size(), 2u) << "the start took the prepared container";
  release(leased(*held));
}

TEST_F(pool_prepare, a_failed_prepare_backs_off_and_is_tried_again) {
  spawn_pool(small_model());
  bring_up(0);
  ASSERT_EQ(runtime_.prepares.size(), 1u);
  answer_prepare(0, error_info{errc::no_capacity, "cannot create"});
  sys_.advance(500ms);
  EXPECT_EQ(runtime_.prepares.size(), 1u) << "within the first second of back-off";
  sys_.advance(1s);
  EXPECT_EQ(runtime_.prepares.size(), 2u);
}

TEST_F(pool_prepare, a_shutdown_discards_the_prepared_containers_of_the_model) {
  spawn_pool(small_model());
  bring_up(0);
  answer_prepare(0, 1);
  EXPECT_TRUE(runtime_.discards.empty());
  request_shutdown();
  EXPECT_EQ(runtime_.discards, strings{"m"});
}

TEST_F(pool_prepare, a_model_with_prepare_ahead_zero_asks_for_none_and_discards_what_an_earlier_pool_left) {
  auto model = small_model();
  model.prepare_ahead = 0;
  spawn_pool(model);
  bring_up(0);
  sys_.advance(3s);
  EXPECT_TRUE(runtime_.prepares.empty());
  EXPECT_EQ(runtime_.discards, strings{"m"});
}

} // namespace
} // namespace janus::actors::test_kit
