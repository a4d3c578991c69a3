// The reply callbacks that messages carry: answered at most once, and answered anyway when the
// message is dropped (by an actor that died or a mailbox that was thrown away).

#include "actors/reply_once.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/admin_messages.hpp"
#include "actors/messages.hpp"
#include "tests/unit/actors/deterministic_system.hpp"

namespace janus::actors {
namespace {

struct calls {
  int count = 0;
  std::optional<result<lease>> last;
};

reply_once<result<lease>> recording(std::shared_ptr<calls> seen) {
  return [seen](result<lease> answer) {
    ++seen->count;
    seen->last.emplace(std::move(answer));
  };
}

TEST(reply_once, only_the_first_answer_reaches_the_callback) {
  auto seen = std::make_shared<calls>();
  {
    auto reply = recording(seen);
    reply(error_info{errc::queue_full, "first"});
    reply(error_info{errc::queue_timeout, "second"});
  }
  ASSERT_EQ(seen->count, 1) << "no dropped answer after a real one either";
  EXPECT_EQ(seen->last->error().code, errc::queue_full);
}

TEST(reply_once, a_reply_dropped_unanswered_answers_no_capacity) {
  auto seen = std::make_shared<calls>();
  { auto reply = recording(seen); }
  ASSERT_EQ(seen->count, 1);
  EXPECT_EQ(seen->last->error().code, errc::no_capacity);
  EXPECT_NE(seen->last->error().message.find("dropped"), std::string::npos);
}

TEST(reply_once, copies_share_one_answer_and_the_last_copy_decides_the_drop) {
  auto seen = std::make_shared<calls>();
  auto reply = recording(seen);
  {
    auto copy = reply;
  }
  EXPECT_EQ(seen->count, 0) << "a copy going is no drop while another copy lives";
  auto moved = std::move(reply);
  reply = {};
  EXPECT_EQ(seen->count, 0) << "a moved-from reply answers nothing";
  auto copy = moved;
  copy(error_info{errc::unknown_model, "answered through a copy"});
  moved(error_info{errc::internal, "too late"});
  moved = {};
  copy = {};
  ASSERT_EQ(seen->count, 1);
  EXPECT_EQ(seen->last->error().code, errc::unknown_model);
}

TEST(reply_once, an_empty_callback_is_no_reply) {
  reply_once<result<lease>> none{std::function<void(result<lease>)>{}};
  EXPECT_FALSE(none);
  none(error_info{errc::internal, "nobody listens"});
}

TEST(reply_once, messages_sent_to_an_actor_that_is_gone_are_answered) {
  test_kit::deterministic_system sys;
  auto gone = sys.system().spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[](int) {}};
  });
  caf::anon_send_exit(gone, caf::exit_reason::kill);
  sys.run();

  auto seen = std::make_shared<calls>();
  std::optional<std::vector<std::string>> models;
  std::optional<std::pair<bool, std::string>> ready;
  std::optional<std::vector<pool_status>> statuses;
  std::optional<result<std::string>> added;
  std::optional<result<drain_report>> drained;
  caf::anon_send(gone, acquire_atom::value, acquire_msg{{"m", "r", {}, {}}, recording(seen)});
  caf::anon_send(gone, models_atom::value,
                 models_msg{[&](std::vector<std::string> names) { models = std::move(names); }});
  caf::anon_send(gone, ready_q_atom::value,
                 ready_msg{[&](bool ok, std::string detail) { ready.emplace(ok, detail); }});
  caf::anon_send(gone, status_atom::value,
                 status_msg{[&](std::vector<pool_status> all) { statuses = std::move(all); }});
  caf::anon_send(gone, add_model_atom::value,
                 add_model_msg{model_config{}, [&](result<std::string> r) { added = std::move(r); }});
  caf::anon_send(gone, drain_atom::value,
                 drain_msg{"m", [&](result<drain_report> r) { drained = std::move(r); }});
  sys.run();

  ASSERT_EQ(seen->count, 1);
  EXPECT_EQ(seen->last->error().code, errc::no_capacity);
  ASSERT_TRUE(models);
  EXPECT_TRUE(models->empty());
  ASSERT_TRUE(ready);
  EXPECT_FALSE(ready->first);
  ASSERT_TRUE(statuses);
  EXPECT_TRUE(statuses->empty());
  ASSERT_TRUE(added);
  EXPECT_EQ(added->error().code, errc::no_capacity);
  ASSERT_TRUE(drained);
  EXPECT_EQ(drained->error().code, errc::no_capacity);
}

} // namespace
} // namespace janus::actors
