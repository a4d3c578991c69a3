#pragma once

#include <gtest/gtest.h>

#include <caf/actor.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/admin_messages.hpp"
#include "actors/container_metrics.hpp"
#include "actors/pool.hpp"
#include "tests/unit/actors/deterministic_system.hpp"
#include "tests/unit/actors/fake_prober.hpp"
#include "tests/unit/actors/fake_runtime.hpp"

namespace janus::actors::test_kit {

/// The answers one lease request got; the pool must answer exactly once.
struct lease_reply {
  int calls = 0;
  std::optional<result<lease>> last;
};

/// A lease request that its asker can withdraw: its answers and the flag shared with the pool.
struct cancellable_request {
  std::shared_ptr<lease_reply> reply;
  std::shared_ptr<std::atomic<bool>> cancelled;
};

/// What the pool's router and its supervisors' health checker were told.
struct pool_observations {
  /// Models named by `warm_atom` messages to the router, in order.
  std::vector<std::string> warm;
  /// `watch_atom` messages: container id and the supervisor to tell when it is unhealthy.
  std::vector<std::pair<std::string, caf::actor>> watched;
  /// `unwatch_atom` messages: container ids.
  std::vector<std::string> unwatched;
};

/// One pool actor of model "m" on a deterministic actor system, with a fake runtime and prober,
/// a recording router and a recording health checker. Containers are numbered by start order:
/// start `i` (0-based) becomes container `c<i+1>` on port `9001+i`.
class pool_fixture : public ::testing::Test {
protected:
  pool_fixture();

  /// Kills what is left, ends every container, and checks that no actor outlived the test.
  void TearDown() override;

  /// A small pool: min_warm 1, max_containers 2, max_concurrency 1, idle_ttl 1 s, no recycling,
  /// startup_timeout 5 s, stop_grace 3 s, queue_limit 4, queue_timeout 2 s, health on /healthz,
  /// no demand-following pre-warm (prewarm_window 0: min_warm and the waiters alone size it).
  static model_config small_model();

  /// The pool's maintenance tick.
  static constexpr std::chrono::milliseconds tick{100};

  /// A request's own deadline unless a test sets one: longer than the model's queue_timeout.
  static constexpr std::chrono::milliseconds default_timeout{30000};

  /// Spawns the pool and runs its start.
  void spawn_pool(model_config model);

  /// Spawns the pool with containers of an earlier run to adopt, and runs its start.
  void spawn_pool(model_config model, std::vector<container_info> adoptable);

  /// Reports start `index` as started; with the prober answering healthy at once, the container
  /// is ready afterwards.
  void bring_up(std::size_t index);

  /// Asks for a lease and runs; the reply may still be pending (queued).
  std::shared_ptr<lease_reply> acquire(std::string avoid = {},
                                       std::chrono::milliseconds timeout = default_timeout);

  /// Asks for a lease that can be withdrawn (as a session does when it must wait) and runs;
  /// `cancelled` is a flag to share, a new one when null.
  cancellable_request acquire_cancellable(std::shared_ptr<std::atomic<bool>> cancelled = nullptr);

  /// Withdraws the request as the broker bridge does (sets its flag, tells the pool) and runs.
  void cancel(const cancellable_request& request);

  /// The lease in `reply`; fails the test when there is no reply or it is an error.
  static lease leased(const lease_reply& reply);

  /// The error code in `reply`, `errc::none` when there is no reply or it is a lease.
  static errc error_of(const lease_reply& reply);

  /// The error message in `reply`, empty when there is none.
  static std::string message_of(const lease_reply& reply);

  /// Gives a lease back and runs.
  void release(const lease& held, lease_outcome outcome = lease_outcome::ok);

  /// Sends `drain_atom` for model "m" and runs; the pool's answer, if any.
  std::optional<result<drain_report>> drain();

  /// The pool's answer to `status_atom`.
  pool_status status();

  /// The value of one sample of the container metrics, e.g.
  /// `metric("janus_container_starts_total", R"(model="m",result="ok")")`; -1 when absent.
  double metric(const std::string& name, const std::string& labels) const;

  /// Sends `shutdown_atom` from a requester and runs; the counter counts the pool's replies.
  std::shared_ptr<int> request_shutdown();

  metrics::registry registry_{1};
  container_metrics metrics_{registry_, {"m"}};
  deterministic_system sys_;
  fake_runtime runtime_;
  fake_prober prober_;
  std::shared_ptr<pool_observations> seen_ = std::make_shared<pool_observations>();
  caf::actor router_;
  caf::actor health_;
  caf::actor pool_;
  /// The pool's gate: what the lease fast path sees.
  std::shared_ptr<pool_gate> gate_;
  /// The seed of the pool's max_age spread (pool_deps::jitter_seed).
  std::uint64_t jitter_seed_ = 1;

private:
  int requests_ = 0;
};

} // namespace janus::actors::test_kit
