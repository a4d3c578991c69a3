// The router's supervision of its pools on the deterministic actor system: a pool actor that
// dies is logged, its waiters are answered, and it is restarted from its configuration (at
// once, or after the restart window in a crash loop).

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/router.hpp"
#include "tests/unit/actors/pool_fixture.hpp"

namespace janus::actors {
namespace {

using namespace std::chrono_literals;

class router_supervision : public test_kit::pool_fixture {
protected:
  void spawn_router(model_config model) {
    pool_deps deps;
    deps.supervisors.containers = &runtime_;
    deps.supervisors.probe = prober_.as_prober();
    deps.supervisors.health = health_;
    deps.supervisors.metrics = &metrics_;
    deps.tick = tick;
    engine_router_ = sys_.system().spawn(router, std::vector<model_config>{std::move(model)},
                                         std::move(deps), gates_, options_);
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

  std::shared_ptr<test_kit::lease_reply> acquire_from_router() {
    auto reply = std::make_shared<test_kit::lease_reply>();
    http::acquire_request request{"m", "req", default_timeout, {}};
    caf::anon_send(engine_router_, acquire_atom::value,
                   acquire_msg{std::move(request), [reply](result<lease> answer) {
                                 ++reply->calls;
                                 reply->last.emplace(std::move(answer));
                               }});
    sys_.run();
    return reply;
  }

  /// Kills the pool of "m" as a bug would (an uncaught exit), then runs.
  void kill_pool() {
    auto gate = gates_->find("m");
    ASSERT_NE(gate, nullptr);
    caf::anon_send_exit(gate->pool, caf::exit_reason::unhandled_exception);
    sys_.run();
  }

  caf::actor engine_router_;
  router_options options_;
  std::shared_ptr<pool_directory> gates_ = std::make_shared<pool_directory>();
};

TEST_F(router_supervision, a_pool_that_dies_answers_its_waiters_and_is_restarted_and_serves_again) {
  spawn_router(small_model()); // min_warm 1, max_containers 2, max_concurrency 1
  bring_up(0);
  auto first = acquire_from_router();
  auto held = leased(*first);
  auto waiting = acquire_from_router();
  ASSERT_EQ(waiting->calls, 0) << "queued behind the busy container";
  auto old_gate = gates_->find("m");
  auto starts_before = runtime_.starts();

  kill_pool();

  ASSERT_EQ(waiting->calls, 1) << "the waiter is answered when its pool dies";
  EXPECT_EQ(error_of(*waiting), errc::no_capacity) << "a 503 for the client";
  auto new_gate = gates_->find("m");
  ASSERT_NE(new_gate, nullptr);
  EXPECT_NE(new_gate, old_gate) << "the restarted pool publishes a new gate";
  ASSERT_GT(runtime_.starts(), starts_before) << "the new pool starts its min_warm container";
  auto stopped = runtime_.stopped_ids();
  EXPECT_EQ(std::count(stopped.begin(), stopped.end(), held.container_id), 1)
    << "the dead pool's supervisors stop its containers";

  bring_up(runtime_.starts() - 1);
  auto again = acquire_from_router();
  auto served = leased(*again);
  EXPECT_EQ(served.model, "m");
  EXPECT_NE(served.container_id, held.container_id);
  release(served);
  release(held); // reaches the dead pool: nothing happens
}

TEST_F(router_supervision, a_crash_loop_waits_for_the_restart_window_and_then_serves_again) {
  options_.restart_limit = 2;
  options_.restart_window = 10s;
  auto model = small_model();
  model.min_warm = 0;
  spawn_router(model);
  kill_pool();
  kill_pool();
  ASSERT_NE(gates_->find("m"), nullptr) << "two restarts at once are within the limit";
  kill_pool();
  EXPECT_EQ(gates_->find("m"), nullptr) << "the third waits: no fast path meanwhile";
  auto refused = acquire_from_router();
  ASSERT_EQ(refused->calls, 1);
  EXPECT_EQ(error_of(*refused), errc::no_capacity);
  EXPECT_NE(message_of(*refused).find("restarts in"), std::string::npos) << message_of(*refused);

  sys_.advance(10s, 1s);

  ASSERT_NE(gates_->find("m"), nullptr) << "restarted once the window allows";
  auto reply = acquire_from_router();
  ASSERT_EQ(runtime_.starts(), 1u) << "the restarted pool starts a container for the request";
  bring_up(0);
  auto held = leased(*reply);
  EXPECT_EQ(held.model, "m");
  release(held);
}

TEST_F(router_supervision, a_pool_that_quits_at_shutdown_is_not_restarted) {
  spawn_router(small_model());
  bring_up(0);
  auto replies = std::make_shared<int>(0);
  sys_.system().spawn([r = engine_router_, replies](caf::event_based_actor* self) {
    self->request(r, caf::infinite, shutdown_atom::value).then([replies](shutdown_atom) {
      ++*replies;
    });
  });
  sys_.run();
  runtime_.end_all();
  sys_.run();
  EXPECT_EQ(*replies, 1);
  EXPECT_EQ(runtime_.starts(), 1u) << "no pool was started again";
}

TEST_F(router_supervision, killing_the_router_ends_its_pools_and_their_supervisors) {
  spawn_router(small_model());
  bring_up(0);
  caf::anon_send_exit(engine_router_, caf::exit_reason::user_shutdown);
  sys_.run();
  engine_router_ = nullptr;
  EXPECT_EQ(runtime_.stopped_ids(), std::vector<std::string>{"c1"})
    << "the pool went with the router and its supervisor stopped the container";
  runtime_.end_all();
  sys_.run();
  // pool_fixture::TearDown checks that no actor is left.
}

} // namespace
} // namespace janus::actors
