#pragma once

#include <caf/actor.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/broker.hpp"
#include "model/lease.hpp"

/// The lease fast path. A pool owns its policy, but the common lease (a ready container with a
/// free slot, nobody queued) must not cost two thread hops per request. So each pool publishes
/// its leasable containers as slots: an I/O thread takes a slot with one compare-and-swap and
/// gives it back with one atomic subtraction, and the pool actor hears only of what changes
/// its decisions (a waiter can be served, a draining container emptied, a failure, a recycling
/// limit, a spare container to start). Everything else (queueing, cold starts, retries that must
/// avoid a container) goes through the pool actor as before.
namespace janus::actors {

struct pool_gate;

} // namespace janus::actors

namespace janus {

/// One container's request slots, shared by its pool and the threads that lease them.
struct lease_slot {
  lease_slot(std::uint64_t key, std::string container_id, endpoint target, int capacity,
             std::shared_ptr<actors::pool_gate> gate);

  /// The pool's key of the container.
  const std::uint64_t key;
  const std::string container_id;
  const endpoint target;
  /// Requests the container serves at once (max_concurrency).
  const int capacity;
  const std::shared_ptr<actors::pool_gate> gate;

  /// Requests in flight (low 32 bits) and the closed flag: one word, so that taking a slot and
  /// closing the container cannot both win.
  std::atomic<std::uint64_t> word{0};
  /// Leases that reached the model's answer (ok, failed_mid_stream, client_gone): a container
  /// that served is warm.
  std::atomic<std::uint64_t> served{0};
  /// Leases ended, whatever the outcome: the pool reads it to see activity (idle reaping).
  std::atomic<std::uint64_t> ended{0};
  /// `refused` outcomes in a row: any other outcome shows that the container takes connections
  /// and resets it. The pool retires the container at its model's failure_threshold.
  std::atomic<int> failures_in_row{0};
  /// Leases that ended timed_out: the container was slow (never a failure).
  std::atomic<std::uint64_t> slow{0};

  static constexpr std::uint64_t closed_bit = std::uint64_t{1} << 32;

  /// The requests in flight that a value of `word` holds.
  static int inflight_of(std::uint64_t value) {
    return static_cast<int>(value & 0xffffffffu);
  }
  int inflight() const {
    return inflight_of(word.load());
  }
  bool closed() const {
    return (word.load() & closed_bit) != 0;
  }

  /// Takes a slot unless the container is closed or full.
  bool try_take();
  /// Closes the container to new leases; returns the requests still in flight.
  int close();
  /// Closes the container only when nothing is in flight (idle reaping): true when closed.
  bool close_if_idle();
  /// Opens a container closed by close_if_idle() again (a pause that did not happen, a resume).
  void reopen();
};

} // namespace janus

namespace janus::actors {

/// What a pool shares with the threads that lease its slots. The pool writes every field; the
/// I/O threads read them and write only `poke_pending`.
struct pool_gate {
  explicit pool_gate(std::string model_name) : model(std::move(model_name)) {}

  const std::string model;
  /// The pool actor; set by whoever spawns it, before the gate is published.
  caf::actor pool;

  using slot_list = std::vector<std::shared_ptr<lease_slot>>;
  /// The ready containers' slots, in the pool's order; empty when none or shutting down.
  std::atomic<std::shared_ptr<const slot_list>> slots;
  /// Requests queued in the pool: while any wait, every lease goes through the pool (fairness),
  /// and every release tells it.
  std::atomic<int> waiting{0};
  /// Open slots' containers with nothing in flight (kept by the slots' transitions).
  std::atomic<int> idle{0};
  /// Containers starting that no waiter will take, the pool's min_warm, and whether it may start
  /// one now: a lease that takes an idle container pokes the pool when spare ones run short.
  std::atomic<int> spare_starting{0};
  std::atomic<int> min_warm{0};
  std::atomic<bool> can_start{false};
  /// A poke is on its way: at most one in flight.
  std::atomic<bool> poke_pending{false};
  /// Served requests after which a container is recycled; 0 never.
  std::atomic<std::uint64_t> max_requests{0};
  /// The model's first_byte_timeout in milliseconds, which every lease carries; 0: the server's.
  std::atomic<std::int64_t> first_byte_timeout_ms{0};
  /// The model's direct deployment, or null; set before the gate is published, then constant.
  std::shared_ptr<const http::fallback_target> fallback;

  /// Leases in flight on the pool's slots, and the most at once since the pool last took it
  /// (take_peak): the demand its warm target follows. The pool's own look at the slots, once
  /// per message, would miss leases of the fast path that begin and end between two messages.
  std::atomic<int> inflight{0};
  std::atomic<int> peak{0};

  /// Counts a lease taken (lease_slot::try_take); raises the peak only past it, so that a
  /// steady load costs one relaxed load per lease beyond the count.
  void note_lease() {
    auto now = inflight.fetch_add(1, std::memory_order_relaxed) + 1;
    auto seen = peak.load(std::memory_order_relaxed);
    while (now > seen && !peak.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
  }

  /// The peak since the last call; the next one starts from what is in flight now.
  int take_peak() {
    auto now = inflight.load(std::memory_order_relaxed);
    return std::max(peak.exchange(now, std::memory_order_relaxed), now);
  }

  /// The peak since the last take_peak(), without taking it.
  int peak_so_far() const {
    return std::max(peak.load(std::memory_order_relaxed), inflight.load(std::memory_order_relaxed));
  }
};

/// Model name → gate, written by the router (copy on write), read by the I/O threads.
class pool_directory {
public:
  using map = std::unordered_map<std::string, std::shared_ptr<pool_gate>>;

  std::shared_ptr<pool_gate> find(const std::string& model) const;
  void put(std::shared_ptr<pool_gate> gate);
  void erase(const std::string& model);

private:
  std::atomic<std::shared_ptr<const map>> map_{std::make_shared<const map>()};
};

/// The lease policy's order, for the pool and the fast path alike: fewer requests in flight
/// first; among equals a container that served before (warmer caches).
inline bool preferred(int inflight, bool served, int than_inflight, bool than_served) {
  return inflight < than_inflight || (inflight == than_inflight && served && !than_served);
}

/// A lease of a slot already taken, for `model`, of the given warmth.
lease lease_of(const std::shared_ptr<lease_slot>& slot, const std::string& model, start_kind kind);

/// Leases a slot of a ready container of the gate's pool without asking the pool: the container
/// with a free slot and the fewest in flight, among equals one that served before, never
/// `request.avoid_container`. Nothing when a request waits in the pool or no slot is free: then
/// the pool decides.
std::optional<lease> try_lease(pool_gate& gate, const http::acquire_request& request);

/// Ends a lease: gives the slot back and tells the pool when that matters to it (a refusal, a
/// waiter, a draining container emptied, a recycling limit). Exactly once per lease, from any
/// thread; no message for a lease that changes none of the pool's decisions.
void end_lease(const lease& held, lease_outcome outcome);

} // namespace janus::actors
