// The router's admin operations (add, remove, scale and drain forwarding) on the deterministic
// actor system, with real pools behind it.

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/admin_messages.hpp"
#include "actors/router.hpp"
#include "tests/unit/actors/pool_fixture.hpp"

namespace janus::actors {
namespace {

using strings = std::vector<std::string>;

class router_admin : public test_kit::pool_fixture {
protected:
  void spawn_router(std::vector<model_config> models) {
    pool_deps deps;
    deps.supervisors.containers = &runtime_;
    deps.supervisors.probe = prober_.as_prober();
    deps.supervisors.health = health_;
    deps.supervisors.metrics = &metrics_;
    deps.tick = tick;
    engine_router_ = sys_.system().spawn(router, std::move(models), std::move(deps), gates_, options_);
    sys_.run();
  }

  void TearDown() override {
    if (engine_router_) {
      sys_.system().spawn([r = engine_router_](caf::event_based_actor* self) {
        self->request(r, caf::infinite, shutdown_atom::value).then([](shutdown_atom) {});
      });
      sys_.run();
      runtime_.end_all();
      sys_.run();
      caf::anon_send_exit(engine_router_, caf::exit_reason::kill);
      engine_router_ = nullptr;
    }
    pool_fixture::TearDown();
  }

  strings models() {
    auto names = std::make_shared<strings>();
    caf::anon_send(engine_router_, models_atom::value,
                   models_msg{[names](strings answer) { *names = std::move(answer); }});
    sys_.run();
    return *names;
  }

  std::optional<result<std::string>> add(model_config model) {
    auto answer = std::make_shared<std::optional<result<std::string>>>();
    caf::anon_send(engine_router_, add_model_atom::value,
                   add_model_msg{std::move(model),
                                 [answer](result<std::string> r) { *answer = std::move(r); }});
    sys_.run();
    return *answer;
  }

  std::optional<result<std::string>> remove(const std::string& name) {
    auto answer = std::make_shared<std::optional<result<std::string>>>();
    caf::anon_send(engine_router_, remove_model_atom::value,
                   remove_model_msg{name, [answer](result<std::string> r) { *answer = std::move(r); }});
    sys_.run();
    return *answer;
  }

  std::shared_ptr<test_kit::lease_reply> acquire_from(const std::string& model) {
    auto reply = std::make_shared<test_kit::lease_reply>();
    http::acquire_request request{model, "req", default_timeout, {}};
    caf::anon_send(engine_router_, acquire_atom::value,
                   acquire_msg{std::move(request), [reply](result<lease> answer) {
                                 ++reply->calls;
                                 reply->last.emplace(std::move(answer));
                               }});
    sys_.run();
    return reply;
  }

  static model_config named(const std::string& name) {
    auto model = small_model();
    model.name = name;
    return model;
  }

  caf::actor engine_router_;
  router_options options_;
  std::shared_ptr<pool_directory> gates_ = std::make_shared<pool_directory>();
};

TEST_F(router_admin, an_added_model_is_listed_and_served_and_a_second_add_is_a_conflict) {
  spawn_router({named("m")});
  bring_up(0);
  auto added = add(named("extra"));
  ASSERT_TRUE(added && added->ok());
  EXPECT_EQ(models(), (strings{"m", "extra"}));
  ASSERT_EQ(runtime_.starts(), 2u) << "the new pool starts its min_warm container";
  bring_up(1);
  auto reply = acquire_from("extra");
  EXPECT_EQ(leased(*reply).model, "extra");
  auto again = add(named("extra"));
  ASSERT_TRUE(again && !again->ok());
  EXPECT_EQ(again->error().code, errc::conflict);
  release(leased(*reply));
}

TEST_F(router_admin, a_removed_model_is_unknown_at_once_and_its_containers_stop_after_their_requests) {
  spawn_router({named("m"), named("extra")});
  bring_up(0);
  bring_up(1);
  auto reply = acquire_from("extra");
  auto held = leased(*reply);
  auto removed = remove("extra");
  ASSERT_TRUE(removed && removed->ok());
  EXPECT_EQ(models(), strings{"m"});
  EXPECT_EQ(error_of(*acquire_from("extra")), errc::unknown_model);
  EXPECT_EQ(gates_->find("extra"), nullptr) << "no lease fast path to a removed model";
  EXPECT_NE(gates_->find("m"), nullptr);
  auto busy_id = held.container_id;
  auto stopped = runtime_.stopped_ids();
  EXPECT_EQ(std::count(stopped.begin(), stopped.end(), busy_id), 0) << "still serving";
  release(held);
  stopped = runtime_.stopped_ids();
  EXPECT_EQ(std::count(stopped.begin(), stopped.end(), busy_id), 1)
    << "the release reached the retiring pool, which stopped the container";
  auto unknown = remove("extra");
  ASSERT_TRUE(unknown && !unknown->ok());
  EXPECT_EQ(unknown->error().code, errc::unknown_model);
}

TEST_F(router_admin, a_removed_models_container_series_leave_the_page_once_its_last_container_is_gone) {
  spawn_router({named("m")});
  bring_up(0);
  auto extra = named("extra");
  extra.max_containers = 1; // one container: the lease below starts no spare
  auto added = add(extra);
  ASSERT_TRUE(added && added->ok());
  bring_up(1);
  EXPECT_EQ(metric("janus_container_starts_total", R"(model="extra",result="ok")"), 1);
  auto held = leased(*acquire_from("extra"));
  auto removed = remove("extra");
  ASSERT_TRUE(removed && removed->ok());
  metrics_.reclaim();
  EXPECT_EQ(metric("janus_container_starts_total", R"(model="extra",result="ok")"), 1)
    << "its container still serves: its supervisor still counts";
  release(held);
  runtime_.report_exit(1, "killed by signal 15");
  sys_.run();
  metrics_.reclaim();
  EXPECT_EQ(metric("janus_container_starts_total", R"(model="extra",result="ok")"), -1)
    << "gone from the page with its last container";
  EXPECT_EQ(metric("janus_container_stops_total", R"(model="extra",reason="recycled")"), -1);
  EXPECT_EQ(metrics_.retired(), 0u);
  EXPECT_EQ(metric("janus_container_starts_total", R"(model="m",result="ok")"), 1);
}

TEST_F(router_admin, scale_and_drain_of_an_unknown_model_are_refused) {
  spawn_router({named("m")});
  auto scaled = std::make_shared<std::optional<result<pool_status>>>();
  caf::anon_send(engine_router_, scale_atom::value,
                 scale_msg{"nope", scale_request{1, 2},
                           [scaled](result<pool_status> r) { *scaled = std::move(r); }});
  auto drained = std::make_shared<std::optional<result<drain_report>>>();
  caf::anon_send(engine_router_, drain_atom::value,
                 drain_msg{"nope", [drained](result<drain_report> r) { *drained = std::move(r); }});
  sys_.run();
  ASSERT_TRUE(*scaled && *drained);
  EXPECT_EQ((*scaled)->error().code, errc::unknown_model);
  EXPECT_EQ((*drained)->error().code, errc::unknown_model);
}

} // namespace
} // namespace janus::actors
