#include "actors/lease_gate.hpp"

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace janus {

lease_slot::lease_slot(std::uint64_t key, std::string container_id, endpoint target, int capacity,
                       std::shared_ptr<actors::pool_gate> gate)
  : key(key),
    container_id(std::move(container_id)),
    target(std::move(target)),
    capacity(capacity),
    gate(std::move(gate)) {
  this->gate->idle.fetch_add(1);
}

bool lease_slot::try_take() {
  auto current = word.load();
  while (true) {
    if ((current & closed_bit) != 0 || inflight_of(current) >= capacity) {
      return false;
    }
    if (word.compare_exchange_weak(current, current + 1)) {
      if (inflight_of(current) == 0) {
        gate->idle.fetch_sub(1);
      }
      gate->note_lease();
      return true;
    }
  }
}

int lease_slot::close() {
  auto before = word.fetch_or(closed_bit);
  if ((before & closed_bit) == 0 && inflight_of(before) == 0) {
    gate->idle.fetch_sub(1);
  }
  return inflight_of(before);
}

bool lease_slot::close_if_idle() {
  std::uint64_t open_and_idle = 0;
  if (word.compare_exchange_strong(open_and_idle, closed_bit)) {
    gate->idle.fetch_sub(1);
    return true;
  }
  return false;
}

void lease_slot::reopen() {
  auto before = word.fetch_and(~closed_bit);
  if ((before & closed_bit) != 0 && inflight_of(before) == 0) {
    gate->idle.fetch_add(1);
  }
}

} // namespace janus

namespace janus::actors {

std::shared_ptr<pool_gate> pool_directory::find(const std::string& model) const {
  auto current = map_.load();
  auto it = current->find(model);
  return it == current->end() ? nullptr : it->second;
}

void pool_directory::put(std::shared_ptr<pool_gate> gate) {
  auto next = std::make_shared<map>(*map_.load());
  auto name = gate->model;
  (*next)[name] = std::move(gate);
  map_.store(std::move(next));
}

void pool_directory::erase(const std::string& model) {
  auto next = std::make_shared<map>(*map_.load());
  next->erase(model);
  map_.store(std::move(next));
}

lease lease_of(const std::shared_ptr<lease_slot>& slot, const std::string& model, start_kind kind) {
  lease granted;
  granted.model = model;
  granted.container_id = slot->container_id;
  granted.target = slot->target;
  granted.kind = kind;
  granted.first_byte_timeout =
    std::chrono::milliseconds{slot->gate->first_byte_timeout_ms.load(std::memory_order_relaxed)};
  granted.slot = slot;
  return granted;
}

std::optional<lease> try_lease(pool_gate& gate, const http::acquire_request& request) {
  if (gate.waiting.load() > 0) {
    return std::nullopt;
  }
  auto slots = gate.slots.load();
  if (!slots) {
    return std::nullopt;
  }
  auto max_requests = gate.max_requests.load(std::memory_order_relaxed);
  // Two passes at most: a slot seen free may be taken by another thread before our CAS.
  for (int round = 0; round < 2; ++round) {
    const std::shared_ptr<lease_slot>* best = nullptr;
    int best_inflight = 0;
    bool best_served = false;
    for (const auto& slot : *slots) {
      auto inflight = slot->inflight();
      if (inflight >= slot->capacity || slot->closed()
          || (!request.avoid_container.empty() && slot->container_id == request.avoid_container)) {
        continue;
      }
      auto served = slot->served.load(std::memory_order_relaxed);
      if (max_requests > 0 && served >= max_requests) {
        continue; // the pool recycles it
      }
      if (best == nullptr || preferred(inflight, served > 0, best_inflight, best_served)) {
        best = &slot;
        best_inflight = inflight;
        best_served = served > 0;
      }
    }
    if (best == nullptr) {
      return std::nullopt;
    }
    if (!(*best)->try_take()) {
      continue;
    }
    if (best_inflight == 0 && gate.can_start.load(std::memory_order_relaxed)
        && gate.idle.load() + gate.spare_starting.load(std::memory_order_relaxed)
             < gate.min_warm.load(std::memory_order_relaxed)
        && gate.pool && !gate.poke_pending.exchange(true)) {
      caf::anon_send(gate.pool, poke_atom::value);
    }
    return lease_of(*best, gate.model, best_served ? start_kind::warm : start_kind::prewarmed);
  }
  return std::nullopt;
}

void end_lease(const lease& held, lease_outcome outcome) {
  auto* slot = held.slot.get();
  if (slot == nullptr) {
    return;
  }
  auto& gate = *slot->gate;
  bool failed = outcome == lease_outcome::refused;
  std::uint64_t served = 0;
  if (failed) {
    slot->failures_in_row.fetch_add(1);
  } else if (slot->failures_in_row.load(std::memory_order_relaxed) != 0) {
    slot->failures_in_row.store(0);
  }
  if (outcome == lease_outcome::ok || outcome == lease_outcome::failed_mid_stream
      || outcome == lease_outcome::client_gone) {
    served = slot->served.fetch_add(1, std::memory_order_relaxed) + 1;
  } else if (outcome == lease_outcome::timed_out) {
    slot->slow.fetch_add(1, std::memory_order_relaxed);
  }
  slot->ended.fetch_add(1, std::memory_order_relaxed);
  auto before = slot->word.fetch_sub(1);
  gate.inflight.fetch_sub(1, std::memory_order_relaxed);
  bool emptied = lease_slot::inflight_of(before) == 1;
  bool closed = (before & lease_slot::closed_bit) != 0;
  if (emptied && !closed) {
    gate.idle.fetch_add(1);
  }
  // The subtraction above and this load pair with the pool's store of `waiting` and its scan of
  // the slots (all sequentially consistent): either we see the waiter or the pool sees the slot.
  auto max_requests = gate.max_requests.load(std::memory_order_relaxed);
  if ((failed || (emptied && closed) || gate.waiting.load() > 0
       || (max_requests > 0 && served >= max_requests))
      && gate.pool) {
    caf::anon_send(gate.pool, release_atom::value, slot->key, outcome);
  }
}

} // namespace janus::actors
