#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/lease.hpp"
#include "model/pool_status.hpp"
#include "model/result.hpp"

namespace janus::http {

struct fallback_target;

/// What a session asks of the pools for one attempt at a request.
struct acquire_request {
  std::string model;
  std::string request_id;
  /// Longest time the request may wait for a slot.
  std::chrono::milliseconds timeout{0};
  /// A container that just failed this request: avoid it when another one can serve.
  std::string avoid_container;
  /// Shared with the pool while the request waits there: set (through broker::cancel) when the
  /// asker no longer wants the lease, e.g. its client hung up. Null: the request cannot be
  /// withdrawn (the fast path never needs it).
  std::shared_ptr<std::atomic<bool>> cancelled = nullptr;
};

/// The HTTP layer's view of the warm pools: the actors implement it. Every handler runs exactly
/// once, on some thread of the implementation; callers post back to their own executor.
/// Calls never block.
class broker {
public:
  using lease_handler = std::function<void(result<lease>)>;
  using models_handler = std::function<void(std::vector<std::string>)>;
  using ready_handler = std::function<void(bool ready, std::string detail)>;
  using status_handler = std::function<void(std::vector<pool_status>)>;

  virtual ~broker() = default;

  /// Leases a free slot at once on the calling thread when that needs no decision of the pool
  /// (a ready container has one and nobody is queued); nothing otherwise: then call acquire().
  virtual std::optional<lease> try_acquire(const acquire_request& request) {
    return std::nullopt;
  }

  /// Leases a slot of a container of the model: at once when one is free, after queueing when
  /// not; fails with unknown_model, queue_full, queue_timeout, no_capacity, shutting_down or
  /// (after cancel()) cancelled.
  virtual void acquire(acquire_request request, lease_handler on_lease) = 0;

  /// Withdraws an acquire() whose request carries a `cancelled` flag: the request leaves its
  /// pool's queue at once (its queue place is free for others) and its handler still runs
  /// exactly once, with errc::cancelled, or with a lease granted before the pool heard of the
  /// cancel, which the caller must release. The pool keeps a container start the request caused
  /// only if it still needs it. Safe to call at any time, also before the pool got the request.
  virtual void cancel(const acquire_request& request) {
    if (request.cancelled) {
      request.cancelled->store(true);
    }
  }

  /// The model's direct deployment (fallback.url, or an upstream-only model's upstream), or null:
  /// where a request goes that the pool cannot serve (chat_proxy). Any thread, never blocks.
  virtual std::shared_ptr<const fallback_target> fallback_of(const std::string& model) {
    return nullptr;
  }

  /// Gives a lease back with how the request ended. Exactly once per lease.
  virtual void release(const lease& held, lease_outcome outcome) = 0;

  /// The names of the models served, in configuration order.
  virtual void models(models_handler on_models) = 0;

  /// Ready once every pool has reached its min_warm at least once.
  virtual void readiness(ready_handler on_ready) = 0;

  /// A snapshot of every pool, in configuration order.
  virtual void statuses(status_handler on_statuses) = 0;
};

} // namespace janus::http
