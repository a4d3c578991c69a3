#include "actors/pool.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/actors/pool_fixture.hpp"

namespace janus::actors {
namespace {

using namespace std::chrono_literals;
using strings = std::vector<std::string>;

class pool_policy : public test_kit::pool_fixture {};

// -- pre-warming ---------------------------------------------------------------------------

TEST_F(pool_policy, starts_min_warm_containers_at_once_and_tells_the_router_once_all_are_ready) {
  auto model = small_model();
  model.min_warm = 2;
  model.max_containers = 3;
  spawn_pool(model);
  EXPECT_EQ(runtime_.starts(), 2u);
  auto before = status();
  EXPECT_EQ(before.starting, 2);
  EXPECT_EQ(before.ready, 0);
  EXPECT_FALSE(before.warm_reached);

  bring_up(0);
  EXPECT_TRUE(seen_->warm.empty()) << "one ready container of two is not min_warm";
  EXPECT_EQ(status().ready, 1);

  bring_up(1);
  auto after = status();
  EXPECT_EQ(after.ready, 2);
  EXPECT_EQ(after.starting, 0);
  EXPECT_TRUE(after.warm_reached);
  EXPECT_EQ(after.starts, 2u);
  EXPECT_EQ(seen_->warm, strings{"m"});

  // Time passing with nothing to do starts nothing more.
  sys_.advance(3s);
  EXPECT_EQ(runtime_.starts(), 2u);
}

TEST_F(pool_policy, tells_the_router_only_the_first_time_min_warm_is_reached) {
  spawn_pool(small_model());
  bring_up(0);
  ASSERT_EQ(seen_->warm, strings{"m"});
  runtime_.report_exit(0, "exited with status 1");
  sys_.run();
  ASSERT_EQ(runtime_.starts(), 2u);
  bring_up(1);
  EXPECT_EQ(status().ready, 1);
  EXPECT_EQ(seen_->warm, strings{"m"});
}

TEST_F(pool_policy, gives_each_container_the_model_command_the_platform_env_under_the_model_env_and_labels) {
  spawn_pool(small_model());
  ASSERT_EQ(runtime_.starts(), 1u);
  const auto& spec = runtime_.start_at(0).spec;
  EXPECT_EQ(spec.model, "m");
  EXPECT_EQ(spec.command, (strings{"model-server", "--verbose"}));
  EXPECT_EQ(spec.env.at("JANUS_PLATFORM_URL"), "http://platform");
  EXPECT_EQ(spec.env.at("MODEL_ONLY"), "1");
  EXPECT_EQ(spec.env.at("JANUS_SHARED"), "model") << "the model's env wins over the platform's";
  EXPECT_EQ(spec.labels.at("janus.instance"), "test");
  EXPECT_EQ(spec.labels.at("janus.model"), "m");
}

// -- leases --------------------------------------------------------------------------------

TEST_F(pool_policy, grants_a_lease_at_once_from_a_ready_container_with_its_id_and_endpoint) {
  spawn_pool(small_model());
  bring_up(0);

  auto first = acquire();
  ASSERT_EQ(first->calls, 1) << "a free slot is leased without queueing";
  auto one = leased(*first);
  EXPECT_EQ(one.model, "m");
  EXPECT_EQ(one.container_id, "c1");
  EXPECT_EQ(one.target.host, "127.0.0.1");
  EXPECT_EQ(one.target.port, 9001);
  EXPECT_EQ(one.kind, start_kind::prewarmed) << "the container's first request";
  EXPECT_EQ(one.queue_time, 0us);
  EXPECT_EQ(status().inflight, 1);

  release(one);
  auto two = leased(*acquire());
  EXPECT_EQ(two.container_id, "c1");
  EXPECT_EQ(two.kind, start_kind::warm) << "the container served a request before";
  auto now = status();
  EXPECT_EQ(now.served, 1u);
  EXPECT_EQ(now.inflight, 1);
}

TEST_F(pool_policy, a_container_whose_requests_all_failed_still_leases_as_prewarmed) {
  spawn_pool(small_model());
  bring_up(0);
  release(leased(*acquire()), lease_outcome::failed_before_first_byte);
  EXPECT_EQ(leased(*acquire()).kind, start_kind::prewarmed);
  EXPECT_EQ(status().served, 0u);
}

TEST_F(pool_policy, the_container_with_the_fewest_requests_in_flight_wins) {
  auto model = small_model();
  model.min_warm = 2;
  model.max_concurrency = 4;
  spawn_pool(model);
  bring_up(0);
  bring_up(1);

  auto a = leased(*acquire());
  auto b = leased(*acquire());
  auto c = leased(*acquire());
  EXPECT_EQ(a.container_id, "c1");
  EXPECT_EQ(b.container_id, "c2");
  EXPECT_EQ(c.container_id, "c1") << "a tie between two fresh containers";
  // c2 is free again without having served: c1 has two in flight, c2 none.
  release(b, lease_outcome::failed_before_first_byte);
  EXPECT_EQ(leased(*acquire()).container_id, "c2");
  EXPECT_EQ(leased(*acquire()).container_id, "c2") << "one in flight beats two";
  EXPECT_EQ(leased(*acquire()).container_id, "c1") << "two each: c1 comes first";
}

TEST_F(pool_policy, among_containers_with_as_many_requests_in_flight_one_that_served_before_wins) {
  auto model = small_model();
  model.min_warm = 2;
  model.max_concurrency = 4;
  spawn_pool(model);
  bring_up(0);
  bring_up(1);

  auto a = leased(*acquire());
  auto b = leased(*acquire());
  ASSERT_EQ(a.container_id, "c1");
  ASSERT_EQ(b.container_id, "c2");
  release(b, lease_outcome::ok);
  release(a, lease_outcome::failed_before_first_byte);

  auto c = leased(*acquire());
  EXPECT_EQ(c.container_id, "c2") << "c2 served a request, c1 did not";
  EXPECT_EQ(c.kind, start_kind::warm);
  auto d = leased(*acquire());
  EXPECT_EQ(d.container_id, "c1") << "fewer requests in flight come before having served";
}

TEST_F(pool_policy, a_retry_avoids_the_container_that_failed_it_when_another_has_a_slot) {
  auto model = small_model();
  model.min_warm = 2;
  spawn_pool(model);
  bring_up(0);
  bring_up(1);

  auto a = leased(*acquire("c1"));
  EXPECT_EQ(a.container_id, "c2");
  auto b = leased(*acquire("c1"));
  EXPECT_EQ(b.container_id, "c1") << "the avoided container when nothing else has a slot";
  release(a);
  auto c = leased(*acquire("c2"));
  EXPECT_EQ(c.container_id, "c2") << "a free slot on the avoided container beats queueing";
}

// -- scaling up and queueing ---------------------------------------------------------------

TEST_F(pool_policy, starts_a_container_for_a_request_that_finds_every_slot_busy_and_leases_it_cold) {
  spawn_pool(small_model());
  bring_up(0);
  auto a = leased(*acquire());
  ASSERT_EQ(runtime_.starts(), 2u) << "c1 is busy: a spare starts at once (min_warm 1)";

  auto b = acquire();
  EXPECT_EQ(b->calls, 0) << "no slot is free: the request waits";
  EXPECT_EQ(runtime_.starts(), 2u) << "the starting spare will serve the waiting request";
  auto waiting = status();
  EXPECT_EQ(waiting.waiting, 1);
  EXPECT_EQ(waiting.starting, 1);

  sys_.advance(50ms);
  EXPECT_EQ(b->calls, 0);
  bring_up(1);
  auto cold = leased(*b);
  EXPECT_EQ(cold.container_id, "c2");
  EXPECT_EQ(cold.kind, start_kind::cold);
  EXPECT_EQ(cold.queue_time, 50ms);

  // At max_containers (2) a third request waits and starts nothing.
  auto c = acquire();
  EXPECT_EQ(c->calls, 0);
  EXPECT_EQ(runtime_.starts(), 2u);
  EXPECT_EQ(status().waiting, 1);
  release(a);
  EXPECT_EQ(leased(*c).container_id, "c1");
}

TEST_F(pool_policy, starts_one_container_per_max_concurrency_waiters) {
  auto model = small_model();
  model.min_warm = 0; // no spare containers: only the waiters make the pool grow
  model.max_containers = 4;
  model.max_concurrency = 2;
  spawn_pool(model);
  auto first = acquire();
  ASSERT_EQ(runtime_.starts(), 1u);
  bring_up(0);
  auto a = leased(*first);
  auto b = leased(*acquire());
  ASSERT_EQ(a.container_id, "c1");
  ASSERT_EQ(b.container_id, "c1");

  auto c = acquire();
  EXPECT_EQ(runtime_.starts(), 2u);
  auto d = acquire();
  EXPECT_EQ(runtime_.starts(), 2u) << "the starting container has a slot for the second waiter";
  auto e = acquire();
  EXPECT_EQ(runtime_.starts(), 3u);
  bring_up(1);
  EXPECT_EQ(leased(*c).container_id, "c2");
  EXPECT_EQ(leased(*d).container_id, "c2");
  EXPECT_EQ(e->calls, 0);
  bring_up(2);
  EXPECT_EQ(leased(*e).container_id, "c3");
}

TEST_F(pool_policy, keeps_min_warm_idle_containers_while_others_are_busy) {
  auto model = small_model();
  model.min_warm = 1;
  model.max_containers = 3;
  model.max_concurrency = 2;
  spawn_pool(model);
  bring_up(0);
  EXPECT_EQ(runtime_.starts(), 1u);
  auto a = leased(*acquire());
  EXPECT_EQ(a.container_id, "c1");
  EXPECT_EQ(runtime_.starts(), 2u) << "c1 is busy: a spare starts before anyone waits";
  bring_up(1);
  EXPECT_EQ(runtime_.starts(), 2u) << "c2 is the idle spare";
  auto b = leased(*acquire());
  EXPECT_EQ(b.container_id, "c2") << "fewest requests in flight";
  EXPECT_EQ(runtime_.starts(), 3u) << "both busy: the last container the pool may have starts";
  bring_up(2);
  auto c = leased(*acquire());
  EXPECT_EQ(c.container_id, "c3");
  EXPECT_EQ(runtime_.starts(), 3u) << "max_containers reached: no spare beyond it";
}

TEST_F(pool_policy, hands_a_freed_slot_to_the_oldest_waiter_when_no_container_can_be_added) {
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  bring_up(0);
  auto a = leased(*acquire());
  auto b = acquire();
  auto c = acquire();
  EXPECT_EQ(runtime_.starts(), 1u);
  EXPECT_EQ(status().waiting, 2);

  release(a);
  EXPECT_EQ(c->calls, 0);
  auto second = leased(*b);
  EXPECT_EQ(second.container_id, "c1");
  EXPECT_EQ(second.kind, start_kind::warm);

  release(second);
  EXPECT_EQ(leased(*c).container_id, "c1");
  EXPECT_EQ(status().waiting, 0);
}

TEST_F(pool_policy, a_waiter_served_by_a_slot_freed_on_a_warm_container_gets_a_warm_lease) {
  spawn_pool(small_model());
  bring_up(0);
  release(leased(*acquire()));
  auto busy = leased(*acquire());

  auto waiter = acquire();
  ASSERT_EQ(runtime_.starts(), 2u) << "a container starts for the waiter";
  release(busy);
  auto served = leased(*waiter);
  EXPECT_EQ(served.container_id, "c1");
  EXPECT_EQ(served.kind, start_kind::warm)
    << "c1 had served before and was not started for this request";

  bring_up(1);
  EXPECT_EQ(status().ready, 2);
}

TEST_F(pool_policy, replies_queue_full_at_once_beyond_queue_limit) {
  auto model = small_model();
  model.max_containers = 1;
  model.queue_limit = 2;
  spawn_pool(model);
  bring_up(0);
  auto a = leased(*acquire());
  auto b = acquire();
  auto c = acquire();
  EXPECT_EQ(b->calls, 0);
  EXPECT_EQ(c->calls, 0);

  auto d = acquire();
  EXPECT_EQ(d->calls, 1) << "no waiting for a full queue";
  EXPECT_EQ(error_of(*d), errc::queue_full);
  EXPECT_EQ(status().waiting, 2);

  release(a);
  ASSERT_EQ(b->calls, 1);
  auto e = acquire();
  EXPECT_EQ(e->calls, 0) << "a place in the queue became free";
}

TEST_F(pool_policy, fails_a_waiter_with_queue_timeout_after_queue_timeout_and_not_before) {
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  bring_up(0);
  auto a = leased(*acquire());
  auto b = acquire();

  sys_.advance(1990ms);
  EXPECT_EQ(b->calls, 0);
  EXPECT_EQ(status().waiting, 1);
  sys_.advance(10ms);
  EXPECT_EQ(b->calls, 1);
  EXPECT_EQ(error_of(*b), errc::queue_timeout);
  EXPECT_EQ(status().waiting, 0);

  // The slot freed later goes to nobody: the timed-out request was answered once.
  release(a);
  EXPECT_EQ(b->calls, 1);
  EXPECT_EQ(status().inflight, 0);
}

TEST_F(pool_policy, a_request_waits_no_longer_than_its_own_shorter_timeout) {
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  bring_up(0);
  auto a = leased(*acquire());
  auto b = acquire({}, 300ms);
  sys_.advance(290ms);
  EXPECT_EQ(b->calls, 0);
  sys_.advance(10ms);
  EXPECT_EQ(error_of(*b), errc::queue_timeout);
}

// -- idle reaping, recycling, replacement ---------------------------------------------------

TEST_F(pool_policy, stops_containers_above_min_warm_idle_for_idle_ttl_and_keeps_min_warm) {
  spawn_pool(small_model());
  bring_up(0);
  auto a = leased(*acquire());
  auto b = acquire();
  bring_up(1);
  auto second = leased(*b);
  ASSERT_EQ(second.container_id, "c2");
  // Both become idle between two ticks and pass idle_ttl between the same two ticks.
  sys_.advance(30ms);
  release(a);
  sys_.advance(30ms);
  release(second);

  sys_.advance(900ms);
  EXPECT_TRUE(runtime_.stopped_ids().empty()) << "c1 idle for 930 ms of 1 s";
  sys_.advance(200ms);
  ASSERT_EQ(runtime_.stopped_ids(), strings{"c1"}) << "one stop, the longest idle first";
  EXPECT_EQ(runtime_.stops().back().grace, 3s);
  EXPECT_EQ(status().draining, 1);

  runtime_.report_exit(0, "exited with status 0");
  sys_.run();
  sys_.advance(5s);
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"}) << "c2 is the min_warm container";
  EXPECT_EQ(runtime_.starts(), 2u) << "an idle stop needs no replacement";
  auto after = status();
  EXPECT_EQ(after.ready, 1);
  EXPECT_EQ(after.draining, 0);
}

TEST_F(pool_policy, keeps_a_busy_container_above_min_warm_however_long_it_is_busy) {
  spawn_pool(small_model());
  bring_up(0);
  auto a = leased(*acquire());
  auto b = acquire();
  bring_up(1);
  ASSERT_EQ(b->calls, 1);
  sys_.advance(5s);
  EXPECT_TRUE(runtime_.stopped_ids().empty());
  EXPECT_EQ(status().ready, 2);
}

TEST_F(pool_policy, replaces_a_ready_container_that_exits) {
  spawn_pool(small_model());
  bring_up(0);
  auto held = leased(*acquire());

  runtime_.report_exit(0, "exited with status 1");
  sys_.run();
  EXPECT_EQ(runtime_.starts(), 2u) << "replaced at once: it was no failed start";
  auto replacing = status();
  EXPECT_EQ(replacing.ready, 0);
  EXPECT_EQ(replacing.starting, 1);
  EXPECT_EQ(replacing.start_failures, 0u);

  release(held);
  bring_up(1);
  auto after = status();
  EXPECT_EQ(after.ready, 1);
  EXPECT_EQ(after.inflight, 0);
  EXPECT_EQ(leased(*acquire()).container_id, "c2");
}

TEST_F(pool_policy, recycles_a_container_after_max_requests_once_its_requests_finish) {
  auto model = small_model();
  model.max_concurrency = 2;
  model.max_requests = 2;
  spawn_pool(model);
  bring_up(0);
  release(leased(*acquire()));
  EXPECT_TRUE(runtime_.stopped_ids().empty()) << "one request of two";

  auto b = leased(*acquire());
  auto c = leased(*acquire());
  release(b);
  EXPECT_TRUE(runtime_.stopped_ids().empty()) << "c1 still serves c";
  EXPECT_EQ(status().draining, 1);
  EXPECT_EQ(runtime_.starts(), 2u) << "the replacement starts while c1 drains";
  auto d = acquire();
  EXPECT_EQ(d->calls, 0) << "a draining container takes no new request";

  release(c);
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"});
  bring_up(1);
  EXPECT_EQ(leased(*d).container_id, "c2");
  runtime_.report_exit(0);
  sys_.run();
  auto after = status();
  EXPECT_EQ(after.ready, 1);
  EXPECT_EQ(after.draining, 0);
  EXPECT_EQ(after.start_failures, 0u);
}

TEST_F(pool_policy, recycles_an_idle_container_after_max_age) {
  auto model = small_model();
  model.max_age = 3s;
  spawn_pool(model);
  bring_up(0);
  // Container key 1's share of the spread: its age limit lies in the last tenth of max_age.
  auto limit = recycle_age(3s, jitter_seed_, 1);
  ASSERT_GE(limit, 2700ms);
  ASSERT_LE(limit, 3s);
  sys_.advance(limit - 100ms);
  EXPECT_TRUE(runtime_.stopped_ids().empty());
  EXPECT_EQ(runtime_.starts(), 1u);
  sys_.advance(200ms);
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"});
  EXPECT_EQ(runtime_.starts(), 2u) << "the pool returns to min_warm";
}

TEST_F(pool_policy, recycles_a_busy_container_after_max_age_once_its_request_finishes) {
  auto model = small_model();
  model.max_age = 3s;
  spawn_pool(model);
  bring_up(0);
  auto held = leased(*acquire());
  sys_.advance(3100ms);
  EXPECT_TRUE(runtime_.stopped_ids().empty());
  EXPECT_EQ(status().draining, 1);
  EXPECT_EQ(runtime_.starts(), 2u);
  release(held);
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"});
}

TEST_F(pool_policy, replaces_a_container_that_refuses_three_connections_in_a_row) {
  spawn_pool(small_model());
  bring_up(0);
  release(leased(*acquire()), lease_outcome::refused);
  release(leased(*acquire()), lease_outcome::refused);
  release(leased(*acquire()), lease_outcome::ok);
  release(leased(*acquire()), lease_outcome::refused);
  release(leased(*acquire()), lease_outcome::refused);
  EXPECT_TRUE(runtime_.stopped_ids().empty()) << "a success in between resets the count";
  release(leased(*acquire()), lease_outcome::refused);
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"});
  EXPECT_EQ(runtime_.starts(), 2u);
}

TEST_F(pool_policy, failures_the_request_may_cause_and_timeouts_never_retire_a_container) {
  spawn_pool(small_model());
  bring_up(0);
  for (int i = 0; i < 20; ++i) {
    release(leased(*acquire()), i % 2 == 0 ? lease_outcome::failed_before_first_byte
                                           : lease_outcome::timed_out);
  }
  release(leased(*acquire()), lease_outcome::failed_mid_stream);
  EXPECT_TRUE(runtime_.stopped_ids().empty());
  EXPECT_EQ(status().ready, 1);
  EXPECT_EQ(gate_->slots.load()->front()->slow.load(), 10u) << "timeouts count as slow";
}

TEST_F(pool_policy, the_models_failure_threshold_sets_how_many_refusals_in_a_row_retire) {
  auto model = small_model();
  model.failure_threshold = 5;
  spawn_pool(model);
  bring_up(0);
  for (int i = 0; i < 4; ++i) {
    release(leased(*acquire()), lease_outcome::refused);
  }
  release(leased(*acquire()), lease_outcome::failed_before_first_byte);
  for (int i = 0; i < 4; ++i) {
    release(leased(*acquire()), lease_outcome::refused);
  }
  EXPECT_TRUE(runtime_.stopped_ids().empty())
    << "a connection taken in between (whatever became of the request) resets the count";
  release(leased(*acquire()), lease_outcome::refused);
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"});
  runtime_.report_exit(0, "killed by signal 15");
  sys_.run();
  EXPECT_EQ(metric("janus_container_stops_total", R"(model="m",reason="failing")"), 1);
}

// -- failed starts -------------------------------------------------------------------------

TEST_F(pool_policy, a_failed_start_fails_waiting_requests_with_no_capacity_and_the_next_start_backs_off) {
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  auto waiting = acquire();
  ASSERT_EQ(waiting->calls, 0);

  runtime_.report_start_failure(0, "image model:latest not found");
  sys_.run();
  EXPECT_EQ(waiting->calls, 1);
  EXPECT_EQ(error_of(*waiting), errc::no_capacity);
  EXPECT_NE(message_of(*waiting).find("image model:latest not found"), std::string::npos)
    << message_of(*waiting);
  EXPECT_EQ(status().start_failures, 1u);

  // Back-off: one second after the first failure, two after the second.
  EXPECT_EQ(runtime_.starts(), 1u);
  sys_.advance(900ms);
  EXPECT_EQ(runtime_.starts(), 1u) << "no start within the back-off";
  sys_.advance(200ms);
  ASSERT_EQ(runtime_.starts(), 2u);
  runtime_.report_start_failure(1, "image model:latest not found");
  sys_.run();
  sys_.advance(1800ms);
  EXPECT_EQ(runtime_.starts(), 2u) << "the back-off doubles";

  auto meanwhile = acquire();
  EXPECT_EQ(error_of(*meanwhile), errc::no_capacity) << "nothing can serve: no waiting";
  EXPECT_NE(message_of(*meanwhile).find("next attempt in"), std::string::npos)
    << message_of(*meanwhile);

  sys_.advance(300ms);
  ASSERT_EQ(runtime_.starts(), 3u);
  bring_up(2);
  auto after = status();
  EXPECT_EQ(after.ready, 1);
  EXPECT_EQ(after.start_failures, 2u);
  EXPECT_EQ(leased(*acquire()).container_id, "c3");
}

TEST_F(pool_policy, a_start_failure_leaves_requests_waiting_while_another_container_serves) {
  spawn_pool(small_model());
  bring_up(0);
  auto held = leased(*acquire());
  auto waiting = acquire();
  ASSERT_EQ(runtime_.starts(), 2u);
  runtime_.report_start_failure(1, "out of memory");
  sys_.run();
  EXPECT_EQ(waiting->calls, 0) << "c1 will free a slot";
  release(held);
  EXPECT_EQ(leased(*waiting).container_id, "c1");
}

// -- shutdown ------------------------------------------------------------------------------

TEST_F(pool_policy, shutdown_fails_waiters_stops_every_container_and_replies_once_all_are_gone) {
  spawn_pool(small_model());
  bring_up(0);
  auto held = leased(*acquire());
  auto waiting = acquire();
  ASSERT_EQ(runtime_.starts(), 2u) << "c2 is starting";

  auto replies = request_shutdown();
  EXPECT_EQ(error_of(*waiting), errc::shutting_down);
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"});
  EXPECT_EQ(*replies, 0) << "containers are still running";
  EXPECT_EQ(error_of(*acquire()), errc::shutting_down) << "no new work";

  runtime_.report_started(1);
  sys_.run();
  EXPECT_EQ(runtime_.stopped_ids(), (strings{"c1", "c2"})) << "stopped as soon as it started";

  runtime_.report_exit(0, "killed by signal 15");
  sys_.run();
  EXPECT_EQ(*replies, 0);
  runtime_.report_exit(1, "killed by signal 15");
  sys_.run();
  EXPECT_EQ(*replies, 1);

  sys_.advance(5s);
  EXPECT_EQ(runtime_.starts(), 2u) << "nothing starts after shutdown";
  EXPECT_EQ(sys_.running_actors(), 2u) << "only the recording router and health checker are left";
}

TEST_F(pool_policy, shutdown_of_a_pool_without_containers_replies_at_once) {
  auto model = small_model();
  model.min_warm = 0;
  spawn_pool(model);
  ASSERT_EQ(runtime_.starts(), 0u);
  auto replies = request_shutdown();
  EXPECT_EQ(*replies, 1);
}

// -- withdrawn requests --------------------------------------------------------------------

TEST_F(pool_policy, a_withdrawn_request_leaves_the_queue_at_once_and_frees_its_place) {
  auto model = small_model();
  model.max_containers = 1;
  model.queue_limit = 2;
  spawn_pool(model);
  bring_up(0);
  auto held = leased(*acquire());
  auto first = acquire_cancellable();
  auto second = acquire_cancellable();
  ASSERT_EQ(status().waiting, 2);
  EXPECT_EQ(error_of(*acquire()), errc::queue_full);

  cancel(first);
  EXPECT_EQ(first.reply->calls, 1) << "answered exactly once";
  EXPECT_EQ(error_of(*first.reply), errc::cancelled);
  EXPECT_EQ(status().waiting, 1);
  EXPECT_EQ(gate_->waiting.load(), 1) << "the fast path sees it too";
  auto third = acquire();
  EXPECT_EQ(third->calls, 0) << "queued in the freed place, not refused";
  EXPECT_EQ(status().waiting, 2);

  release(held);
  EXPECT_EQ(leased(*second.reply).container_id, "c1") << "the oldest waiter left gets the slot";
  EXPECT_EQ(third->calls, 0);
  cancel(second);
  EXPECT_EQ(second.reply->calls, 1) << "a cancel after the grant changes nothing";
}

TEST_F(pool_policy, a_cancel_that_overtakes_its_request_refuses_it_when_it_arrives) {
  auto model = small_model();
  model.min_warm = 0;
  spawn_pool(model);
  auto flag = std::make_shared<std::atomic<bool>>(true);
  auto late = acquire_cancellable(flag);
  EXPECT_EQ(error_of(*late.reply), errc::cancelled);
  EXPECT_EQ(status().waiting, 0);
  EXPECT_EQ(runtime_.starts(), 0u) << "nothing starts for a request nobody wants";
}

TEST_F(pool_policy, a_waiter_withdrawn_before_its_cancel_arrives_gets_no_slot) {
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  bring_up(0);
  auto held = leased(*acquire());
  auto gone = acquire_cancellable();
  auto next = acquire();
  gone.cancelled->store(true); // the cancel message is still on its way
  release(held);
  EXPECT_EQ(error_of(*gone.reply), errc::cancelled);
  EXPECT_EQ(leased(*next).container_id, "c1");
}

TEST_F(pool_policy, a_start_caused_by_a_withdrawn_request_is_called_off_when_nothing_needs_it) {
  auto model = small_model();
  model.min_warm = 0;
  spawn_pool(model);
  auto waiting = acquire_cancellable();
  ASSERT_EQ(runtime_.starts(), 1u) << "a cold start for the waiter";
  cancel(waiting);
  EXPECT_EQ(status().starting, 0);
  runtime_.report_started(0);
  sys_.run();
  EXPECT_EQ(runtime_.stopped_ids(), strings{"c1"}) << "stopped as soon as it started";
  runtime_.report_exit(0, "exited with status 0");
  sys_.run();
  EXPECT_EQ(metric("janus_container_starts_total", R"(model="m",result="cancelled")"), 1);
  EXPECT_EQ(status().start_failures, 0u) << "a start called off is no failure";
  // No back-off either: the next request starts a container at once.
  auto next = acquire();
  EXPECT_EQ(runtime_.starts(), 2u);
  bring_up(1);
  EXPECT_EQ(leased(*next).kind, start_kind::cold);
}

TEST_F(pool_policy, a_start_for_a_waiter_dropped_before_its_cancel_arrived_is_called_off_too) {
  auto model = small_model();
  model.min_warm = 0;
  model.max_containers = 2;
  spawn_pool(model);
  auto first = acquire();
  bring_up(0);
  auto held = leased(*first);
  auto gone = acquire_cancellable();
  ASSERT_EQ(runtime_.starts(), 2u) << "a start for the waiter";
  gone.cancelled->store(true);
  release(held); // serve_waiters drops the withdrawn waiter before its cancel arrives
  EXPECT_EQ(error_of(*gone.reply), errc::cancelled);
  cancel(gone);
  EXPECT_EQ(gone.reply->calls, 1);
  EXPECT_EQ(status().starting, 0) << "nothing needs the start any more";
}

TEST_F(pool_policy, a_start_caused_by_a_withdrawn_request_is_kept_for_min_warm_or_other_waiters) {
  auto model = small_model();
  model.min_warm = 1;
  model.max_containers = 4;
  spawn_pool(model);
  bring_up(0);
  auto held = leased(*acquire());
  ASSERT_EQ(runtime_.starts(), 2u) << "c1 busy: a spare for min_warm";
  auto a = acquire_cancellable();
  auto b = acquire_cancellable();
  ASSERT_EQ(runtime_.starts(), 4u) << "one start per waiter (the spare serves the first)";
  ASSERT_EQ(status().starting, 3);

  cancel(a);
  EXPECT_EQ(status().starting, 2) << "one start called off: one waiter and min_warm are left";
  cancel(b);
  EXPECT_EQ(status().starting, 1) << "the spare stays for min_warm";
  bring_up(1);
  EXPECT_EQ(status().ready, 2);
  release(held);
}

TEST_F(pool_policy, a_waiter_that_times_out_leaves_no_start_the_pool_does_not_need) {
  auto model = small_model();
  model.min_warm = 0;
  spawn_pool(model);
  auto waiting = acquire({}, 500ms);
  ASSERT_EQ(runtime_.starts(), 1u);
  sys_.advance(600ms);
  EXPECT_EQ(error_of(*waiting), errc::queue_timeout);
  EXPECT_EQ(status().starting, 0);
}

// -- the container engine's availability -----------------------------------------------------

TEST_F(pool_policy, the_engine_answering_again_ends_the_start_back_off_at_once) {
  auto model = small_model();
  model.max_containers = 1;
  spawn_pool(model);
  runtime_.report_start_failure(0, "no Docker engine answers");
  sys_.run();
  sys_.advance(1100ms);
  ASSERT_EQ(runtime_.starts(), 2u);
  runtime_.report_start_failure(1, "no Docker engine answers");
  sys_.run();
  ASSERT_EQ(runtime_.starts(), 2u) << "backing off for 2 s";

  caf::anon_send(pool_, engine_up_atom::value);
  sys_.run();
  EXPECT_EQ(runtime_.starts(), 3u) << "started at once, no more back-off";
  // The count of failures in a row starts again: the next failure waits 1 s, not 4 s.
  runtime_.report_start_failure(2, "image not found");
  sys_.run();
  sys_.advance(1100ms);
  EXPECT_EQ(runtime_.starts(), 4u);
  bring_up(3);
  EXPECT_EQ(status().ready, 1);
}

TEST_F(pool_policy, the_engine_answering_again_starts_what_min_warm_lacks_and_nothing_more) {
  auto model = small_model();
  model.min_warm = 2;
  model.max_containers = 3;
  spawn_pool(model);
  bring_up(0);
  runtime_.report_start_failure(1, "no Docker engine answers");
  sys_.run();
  ASSERT_EQ(runtime_.starts(), 2u);
  caf::anon_send(pool_, engine_up_atom::value);
  sys_.run();
  EXPECT_EQ(runtime_.starts(), 3u);
  caf::anon_send(pool_, engine_up_atom::value);
  sys_.run();
  EXPECT_EQ(runtime_.starts(), 3u) << "min_warm is covered by the start under way";
}

// -- recycling spread ----------------------------------------------------------------------

TEST(recycle_age, lies_in_the_last_tenth_of_max_age_and_is_the_same_for_the_same_seed_and_key) {
  std::set<std::chrono::milliseconds> ages;
  for (std::uint64_t key = 1; key <= 200; ++key) {
    auto age = recycle_age(std::chrono::hours(1), 42, key);
    EXPECT_GE(age, std::chrono::minutes(54));
    EXPECT_LE(age, std::chrono::hours(1));
    EXPECT_EQ(age, recycle_age(std::chrono::hours(1), 42, key));
    ages.insert(age);
  }
  EXPECT_GT(ages.size(), 190u) << "spread, not a few values";
  EXPECT_LT(*ages.begin(), std::chrono::minutes(55)) << "over the whole tenth";
  EXPECT_GT(*ages.rbegin(), std::chrono::minutes(59));
  EXPECT_NE(recycle_age(std::chrono::hours(1), 42, 1), recycle_age(std::chrono::hours(1), 43, 1));
  EXPECT_EQ(recycle_age(std::chrono::milliseconds::zero(), 42, 1), std::chrono::milliseconds::zero());
}

TEST_F(pool_policy, containers_started_together_recycle_spread_over_the_last_tenth_of_max_age) {
  auto model = small_model();
  model.min_warm = 4;
  model.max_containers = 8;
  model.max_age = 100s;
  spawn_pool(model);
  for (std::size_t i = 0; i < 4; ++i) {
    bring_up(i);
  }
  std::vector<std::pair<std::chrono::milliseconds, std::string>> expected;
  for (std::uint64_t key = 1; key <= 4; ++key) {
    expected.emplace_back(recycle_age(100s, jitter_seed_, key), "c" + std::to_string(key));
  }
  std::sort(expected.begin(), expected.end());
  ASSERT_GT(expected.back().first - expected.front().first, 1s) << "seed " << jitter_seed_;
  sys_.advance(expected.front().first - 200ms, 100ms);
  EXPECT_TRUE(runtime_.stopped_ids().empty()) << "none before its age limit";
  strings order;
  sys_.advance(10s + 200ms, 100ms);
  for (const auto& [age, id] : expected) {
    order.push_back(id);
  }
  EXPECT_EQ(runtime_.stopped_ids(), order) << "one by one, in the order of their limits";
}

} // namespace
} // namespace janus::actors
