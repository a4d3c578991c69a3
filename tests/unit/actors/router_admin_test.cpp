// The router's admin operations (add, remove, scale and drain forwarding) on the deterministic
// actor system, with real pools behind it.

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <algorithm>

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

  std::optional<result<reload_applied>> reload_with(model_reload_plan plan) {
    auto answer = std::make_shared<std::optional<result<reload_applied>>>();
    caf::anon_send(engine_router_, reload_atom::value,
                   reload_msg{std::move(plan),
                              [answer](result<reload_applied> r) { *answer = std::move(r); }});
    sys_.run();
    return *answer;
  }

  std::vector<model_config> running_configs() {
    auto answer = std::make_shared<std::vector<model_config>>();
    caf::anon_send(engine_router_, configs_atom::value,
                   configs_msg{[answer](result<std::vector<model_config>> r) {
                     if (r) {
                       *answer = std::move(r.value());
                     }
                   }});
    sys_.run();
    return *answer;
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

TEST_F(router_admin, a_reload_swaps_a_changed_model_once_its_new_pool_is_warm_and_moves_its_queue) {
  auto m = named("m");
  m.max_containers = 1; // one slot: a second request queues
  spawn_router({named("keep"), m});
  bring_up(0);
  bring_up(1);
  auto held = leased(*acquire_from("m"));
  auto queued = acquire_from("m");
  ASSERT_EQ(queued->calls, 0) << "waits in the old pool's queue";
  auto old_gate = gates_->find("m");

  model_reload_plan plan;
  auto changed = m;
  changed.env["NEW"] = "1";
  plan.changed.push_back(changed);
  plan.added.push_back(named("fresh"));
  plan.unchanged.push_back("keep");
  auto answer = reload_with(plan);
  EXPECT_FALSE(answer) << "not answered while the new pool warms";
  ASSERT_EQ(runtime_.starts(), 4u) << "fresh's and the new m's first containers";
  EXPECT_EQ(gates_->find("m"), old_gate) << "the old pool serves until the new one is warm";
  EXPECT_EQ(models(), (strings{"keep", "m", "fresh"}));

  bring_up(3); // the new m's container
  ASSERT_EQ(queued->calls, 1) << "the queued request moved on to the new pool";
  EXPECT_NE(leased(*queued).container_id, held.container_id);
  EXPECT_NE(gates_->find("m"), old_gate);
  auto running = running_configs();
  ASSERT_EQ(running.size(), 3u);
  EXPECT_EQ(running[1].env.at("NEW"), "1");

  bring_up(2); // fresh's container
  auto stopped = runtime_.stopped_ids();
  EXPECT_EQ(std::count(stopped.begin(), stopped.end(), held.container_id), 0) << "still serving";
  release(held);
  stopped = runtime_.stopped_ids();
  EXPECT_EQ(std::count(stopped.begin(), stopped.end(), held.container_id), 1)
    << "the old pool drained its container";
  release(leased(*queued));
}

TEST_F(router_admin, a_reload_answers_once_every_swap_is_done_and_a_cold_pool_takes_over_late) {
  spawn_router({named("m")});
  bring_up(0);
  model_reload_plan plan;
  auto changed = named("m");
  changed.env["NEW"] = "1";
  plan.changed.push_back(changed);
  auto answer = std::make_shared<std::optional<result<reload_applied>>>();
  caf::anon_send(engine_router_, reload_atom::value,
                 reload_msg{plan, [answer](result<reload_applied> r) { *answer = std::move(r); }});
  sys_.run();
  EXPECT_FALSE(*answer);
  // The new pool's container never becomes ready: at startup_timeout + 1 s it takes over.
  sys_.advance(changed.startup_timeout + std::chrono::milliseconds{1100}, std::chrono::milliseconds{100});
  ASSERT_TRUE(*answer);
  ASSERT_TRUE((*answer)->ok());
  EXPECT_EQ((*answer)->value().late, strings{"m"});
  EXPECT_EQ(running_configs().at(0).env.at("NEW"), "1");
}

TEST_F(router_admin, a_scale_is_kept_in_the_models_settings_that_a_reload_compares) {
  spawn_router({named("m")});
  bring_up(0);
  auto scaled = std::make_shared<std::optional<result<pool_status>>>();
  caf::anon_send(engine_router_, scale_atom::value,
                 scale_msg{"m", scale_request{0, 3},
                           [scaled](result<pool_status> r) { *scaled = std::move(r); }});
  sys_.run();
  ASSERT_TRUE(*scaled && (*scaled)->ok());
  auto running = running_configs();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].min_warm, 0);
  EXPECT_EQ(running[0].max_containers, 3);
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
