#include "actors/pool.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include "logging/event.hpp"

#include <algorithm>

namespace janus::actors {

namespace {

using self_ptr = caf::stateful_actor<pool_state>*;
using phase = container_record::phase;
using time_point = caf::actor_clock::time_point;

/// The longest back-off between two failed starts.
constexpr auto max_backoff = std::chrono::seconds(60);

int count_in(const pool_state& st, phase wanted) {
  return static_cast<int>(std::count_if(st.containers.begin(), st.containers.end(),
                                        [wanted](const auto& kv) { return kv.second.state == wanted; }));
}

/// Containers that serve or will serve: starting, ready or resuming (not draining, stopping or
/// paused).
int live_count(const pool_state& st) {
  return count_in(st, phase::starting) + count_in(st, phase::ready)
         + count_in(st, phase::resuming);
}

/// The containers max_containers bounds: live and paused ones.
int held_count(const pool_state& st) {
  return live_count(st) + count_in(st, phase::pausing) + count_in(st, phase::paused);
}

/// Starting and resuming containers the waiters will not fill.
int unclaimed_coming(const pool_state& st) {
  auto waiting = static_cast<int>(st.waiters.size());
  auto claimed = (waiting + st.model.max_concurrency - 1) / st.model.max_concurrency;
  return std::max(0, count_in(st, phase::starting) + count_in(st, phase::resuming) - claimed);
}

std::chrono::milliseconds ms_between(time_point from, time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from);
}

void reply_error(acquire_msg& msg, errc code, std::string message, bool start_failed = false) {
  if (msg.reply) {
    error_info error{code, std::move(message)};
    error.start_failed = start_failed;
    msg.reply(std::move(error));
  }
}

/// Whether the asker withdrew the request (broker::cancel).
bool is_cancelled(const acquire_msg& msg) {
  return msg.request.cancelled && msg.request.cancelled->load();
}

// -- containers ----------------------------------------------------------------------------

/// Starts one container unless the pool is full or in start back-off.
bool start_container(self_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  if (st.shutting_down || held_count(st) >= st.model.max_containers || now < st.start_allowed_at) {
    return false;
  }
  auto spec = container_spec_for(st.model, st.deps);
  auto key = st.next_key++;
  auto& record = st.containers[key];
  record.started_at = now;
  record.last_used = now;
  record.supervisor = self->spawn(supervisor, caf::actor_cast<caf::actor>(self), key,
                                  std::move(spec), st.model, st.deps.supervisors);
  ++st.starts;
  // The runtime starts a prepared container of the model when it has one (pool_plan rule 11).
  st.prepared = std::max(0, st.prepared - 1);
  return true;
}

/// Takes over the containers an earlier run left for this model: probed, then ready like new ones.
void adopt_containers(self_ptr self) {
  auto& st = self->state;
  auto offered = st.deps.adoptable.find(st.model.name);
  if (offered == st.deps.adoptable.end()) {
    return;
  }
  auto now = self->clock().now();
  for (auto& container : offered->second) {
    logging::event{"adopting container"}
      .field("model", st.model.name)
      .field("container", container.id)
      .field("port", container.target.port)
      .info();
    auto key = st.next_key++;
    auto& record = st.containers[key];
    record.started_at = now;
    record.last_used = now;
    record.supervisor = self->spawn(adopting_supervisor, caf::actor_cast<caf::actor>(self), key,
                                    container, st.model, st.deps.supervisors);
  }
  st.deps.adoptable.clear();
}

/// Closes a container's slots to new leases; returns the requests still in flight.
int close_slots(container_record& record) {
  return record.slot ? record.slot->close() : 0;
}

/// Closes an idle ready container's slots, unless a lease took one meanwhile: true when closed.
bool close_if_idle(container_record& record) {
  return !record.slot || record.slot->close_if_idle();
}

void stop_container(self_ptr self, std::uint64_t key, stop_reason reason) {
  auto it = self->state.containers.find(key);
  if (it == self->state.containers.end() || it->second.state == phase::stopping) {
    return;
  }
  close_slots(it->second);
  it->second.state = phase::stopping;
  self->send(it->second.supervisor, stop_atom::value, reason);
}

/// Takes a container out of rotation: stopped now when idle, after its last request otherwise.
void retire(self_ptr self, std::uint64_t key, stop_reason reason) {
  auto& record = self->state.containers.at(key);
  if (close_slots(record) == 0) {
    stop_container(self, key, reason);
  } else if (record.state != phase::stopping) {
    record.state = phase::draining;
  }
}

// -- leases --------------------------------------------------------------------------------

/// The ready container with a free slot and the fewest requests in flight; among equals one that
/// served before (warmer caches). `avoid` is taken only when nothing else has a slot.
std::uint64_t pick(const pool_state& st, const std::string& avoid) {
  std::uint64_t best = 0;
  std::uint64_t fallback = 0;
  const container_record* best_record = nullptr;
  int best_inflight = 0;
  for (const auto& [key, record] : st.containers) {
    auto inflight = record.inflight();
    if (record.state != phase::ready || inflight >= st.model.max_concurrency) {
      continue;
    }
    if (!avoid.empty() && record.container.id == avoid) {
      fallback = key;
      continue;
    }
    if (best_record == nullptr
        || preferred(inflight, record.served() > 0, best_inflight, best_record->served() > 0)) {
      best = key;
      best_record = &record;
      best_inflight = inflight;
    }
  }
  return best != 0 ? best : fallback;
}

/// Leases a slot of the container at `key` to `msg`: false when an I/O thread took its last free
/// slot since pick() looked.
bool grant(self_ptr self, std::uint64_t key, acquire_msg& msg, time_point since, bool cold,
           bool resumed) {
  auto& st = self->state;
  auto& record = st.containers.at(key);
  auto served_before = record.served() > 0;
  if (!record.slot || !record.slot->try_take()) {
    return false;
  }
  auto granted = lease_of(record.slot, st.model.name,
                          cold            ? start_kind::cold
                          : resumed       ? start_kind::resumed
                          : served_before ? start_kind::warm
                                          : start_kind::prewarmed);
  granted.queue_time = std::chrono::duration_cast<std::chrono::microseconds>(self->clock().now() - since);
  if (cold) {
    granted.container_start = record.start_duration;
  } else if (resumed) {
    granted.container_start = record.resume_duration;
  }
  record.last_used = self->clock().now();
  if (msg.reply) {
    msg.reply(std::move(granted));
  }
  return true;
}

/// The number of tries to lease a picked slot before giving up for now: each failed try means an
/// I/O thread leased it meanwhile, so a free slot that remains is picked again.
constexpr int grant_tries = 8;

/// Fails every waiter at once: the pool cannot serve them (no container can start).
/// `start_failed`: because the model's last container start failed (error_info::start_failed).
void fail_waiters(self_ptr self, errc code, const std::string& message, bool start_failed = false) {
  auto waiting = std::move(self->state.waiters);
  self->state.waiters.clear();
  for (auto& w : waiting) {
    reply_error(w.msg, code, message, start_failed);
  }
}

/// Hands free slots to waiters, oldest first. `cold`: the slots are those of a container that just
/// became ready; a slot freed on a running container is no cold start, even for a waiter that a
/// container was started for. `resumed`: the same for a container that was just resumed.
void serve_waiters(self_ptr self, bool cold, bool resumed) {
  auto& st = self->state;
  for (int tries = 0; !st.waiters.empty() && tries < grant_tries;) {
    if (is_cancelled(st.waiters.front().msg)) {
      // Withdrawn, its cancel message still on its way: the slot goes to the next one.
      reply_error(st.waiters.front().msg, errc::cancelled, "the request was withdrawn");
      st.waiters.pop_front();
      continue;
    }
    auto key = pick(st, st.waiters.front().msg.request.avoid_container);
    if (key == 0) {
      break;
    }
    auto& front = st.waiters.front();
    if (!grant(self, key, front.msg, front.since, cold, resumed)) {
      ++tries;
      continue;
    }
    st.waiters.pop_front();
  }
  st.gate->waiting.store(static_cast<int>(st.waiters.size()));
}

std::string_view phase_name(phase state) {
  switch (state) {
    case phase::starting:
      return "starting";
    case phase::ready:
      return "ready";
    case phase::draining:
      return "draining";
    case phase::stopping:
      return "stopping";
    case phase::pausing:
      return "pausing";
    case phase::paused:
      return "paused";
    case phase::resuming:
      return "resuming";
  }
  return "unknown";
}

/// Whether the pool's runtime can pause containers (the paused tier is off otherwise).
bool can_pause(const pool_state& st) {
  return st.deps.supervisors.containers != nullptr && st.deps.supervisors.containers->can_pause();
}

/// Whether the pool's runtime prepares containers ahead (prepare_ahead is 0 otherwise).
bool can_prepare(const pool_state& st) {
  return st.deps.supervisors.containers != nullptr
         && st.deps.supervisors.containers->can_prepare();
}

/// Asks the runtime to prepare containers of the model until `ahead` are; the answer comes back
/// as prepared_atom.
void prepare_containers(self_ptr self, int ahead) {
  auto& st = self->state;
  st.preparing = true;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  st.deps.supervisors.containers->prepare(
    container_spec_for(st.model, st.deps), ahead, [me](result<int> done) {
      if (done) {
        caf::anon_send(me, prepared_atom::value, done.value(), std::string{});
      } else {
        caf::anon_send(me, prepared_atom::value, 0, done.error().message);
      }
    });
}

/// The containers the recent demand peak needs (demand-following pre-warm, docs/pool.md).
int current_warm_target(const pool_state& st, time_point now) {
  pool_policy policy;
  policy.max_concurrency = st.model.max_concurrency;
  policy.max_containers = st.model.max_containers;
  policy.prewarm_headroom = st.model.prewarm_headroom;
  // With what the next note will add: a status asked between two of the pool's messages shows
  // the fast path's leases meanwhile too. A zero window remembers nothing, these neither.
  auto peak = st.demand.peak(now);
  if (st.model.prewarm_window > std::chrono::milliseconds::zero()) {
    peak = std::max(peak, static_cast<int>(st.waiters.size()) + st.gate->peak_so_far());
  }
  return warm_target(policy, peak);
}

pool_status status_of(const pool_state& st, time_point now) {
  pool_status out;
  out.model = st.model.name;
  out.min_warm = st.model.min_warm;
  out.max_containers = st.model.max_containers;
  out.starting = count_in(st, phase::starting) + count_in(st, phase::resuming);
  out.paused = count_in(st, phase::pausing) + count_in(st, phase::paused);
  out.pauses = st.pauses;
  out.resumes = st.resumes;
  out.ready = count_in(st, phase::ready);
  out.draining = count_in(st, phase::draining) + count_in(st, phase::stopping);
  out.served = st.served_by_gone;
  for (const auto& [key, record] : st.containers) {
    out.inflight += record.inflight();
    out.served += record.served();
  }
  out.waiting = static_cast<int>(st.waiters.size());
  out.warm_reached = st.warm_reached;
  out.starts = st.starts;
  out.start_failures = st.start_failures;
  out.max_concurrency = st.model.max_concurrency;
  out.idle_ttl = st.model.idle_ttl;
  out.max_requests = st.model.max_requests;
  out.max_age = st.model.max_age;
  out.queue_limit = st.model.queue_limit;
  out.queue_timeout = st.model.queue_timeout;
  out.pause_after = st.model.pause_after;
  out.max_paused = can_pause(st) ? st.model.max_paused : 0;
  out.warm_target = current_warm_target(st, now);
  out.prepare_ahead = can_prepare(st) ? st.model.prepare_ahead : 0;
  out.prepared = st.prepared;
  out.preparing = st.preparing;
  out.image = st.model.image;
  if (st.deps.supervisors.containers != nullptr && !st.model.image.empty()) {
    out.image_state = st.deps.supervisors.containers->image_state(st.model.image);
  }
  for (const auto& [key, record] : st.containers) {
    container_status entry;
    entry.id = record.container.id;
    entry.state = phase_name(record.state);
    entry.inflight = record.inflight();
    entry.age = ms_between(record.started_at, now);
    entry.served = record.served();
    entry.port = record.container.target.port;
    out.containers.push_back(std::move(entry));
  }
  return out;
}

/// Tells the I/O threads what changed: the ready containers' slots (republished only when the set
/// changed), the waiters and what a lease needs to know to poke the pool for spare containers.
void sync_gate(self_ptr self) {
  auto& st = self->state;
  auto& gate = *st.gate;
  auto current = gate.slots.load();
  auto next = std::make_shared<pool_gate::slot_list>();
  if (!st.shutting_down) {
    for (const auto& [key, record] : st.containers) {
      if (record.state == phase::ready && record.slot) {
        next->push_back(record.slot);
      }
    }
  }
  if (!current || *current != *next) {
    gate.slots.store(std::move(next));
  }
  gate.waiting.store(static_cast<int>(st.waiters.size()));
  gate.spare_starting.store(unclaimed_coming(st));
  gate.min_warm.store(st.model.min_warm);
  gate.max_requests.store(st.model.max_requests);
  gate.first_byte_timeout_ms.store(st.model.first_byte_timeout.count());
  gate.can_start.store(!st.shutting_down && (held_count(st) < st.model.max_containers
                                              || count_in(st, phase::paused) > 0));
}

/// Notes activity the pool did not see (leases that began and ended on the I/O threads) for idle
/// reaping: a container with a lease in flight or ended since the last look was used now.
void note_activity(self_ptr self) {
  auto now = self->clock().now();
  for (auto& [key, record] : self->state.containers) {
    if (!record.slot) {
      continue;
    }
    auto ended = record.slot->ended.load(std::memory_order_relaxed);
    if (record.slot->inflight() > 0 || ended != record.ended_seen) {
      record.last_used = now;
      record.ended_seen = ended;
    }
  }
}

// -- decisions -----------------------------------------------------------------------------

pool_view view_of(const pool_state& st, time_point now) {
  pool_view view;
  view.policy.min_warm = st.model.min_warm;
  view.policy.max_containers = st.model.max_containers;
  view.policy.max_concurrency = st.model.max_concurrency;
  view.policy.idle_ttl = st.model.idle_ttl;
  view.policy.max_requests = st.model.max_requests;
  view.policy.max_age = st.model.max_age;
  view.policy.failure_threshold = st.model.failure_threshold;
  view.policy.prewarm_headroom = st.model.prewarm_headroom;
  view.policy.pause_after = st.model.pause_after;
  view.policy.max_paused = can_pause(st) ? st.model.max_paused : 0;
  view.policy.prepare_ahead = can_prepare(st) ? st.model.prepare_ahead : 0;
  view.prepared = st.prepared;
  view.preparing = st.preparing;
  view.prepare_allowed_at = st.prepare_allowed_at;
  view.containers.reserve(st.containers.size());
  for (const auto& [key, record] : st.containers) {
    container_view c;
    c.key = key;
    c.state = record.state;
    c.inflight = record.inflight();
    c.served = record.served();
    c.refusals_in_row = record.slot ? record.slot->failures_in_row.load() : 0;
    c.started_at = record.started_at;
    c.last_used = record.last_used;
    view.containers.push_back(c);
  }
  view.waiters = static_cast<int>(st.waiters.size());
  view.start_allowed_at = st.start_allowed_at;
  view.ending = !st.shutting_down ? pool_ending::none
                : st.removing    ? pool_ending::removal
                                 : pool_ending::shutdown;
  view.warm_reached = st.warm_reached;
  view.jitter_seed = st.deps.jitter_seed;
  view.waiter_left = st.waiter_left;
  view.min_warm_lowered = st.min_warm_lowered;
  view.drain_asked = st.drain_asked;
  view.demand_peak = st.demand.peak(now);
  return view;
}

/// Notes the demand since the last note, for the warm target: requests queued now and the most
/// in flight at once meanwhile (pool_gate::peak, which counts the leases of the fast path that
/// began and ended between two of the pool's messages too).
void note_demand(pool_state& st, time_point now) {
  st.demand.note(now, static_cast<int>(st.waiters.size()) + st.gate->take_peak());
}

/// Logs the warm target when it changed (demand-following pre-warm, docs/pool.md).
void log_warm_target(pool_state& st, time_point now) {
  auto target = current_warm_target(st, now);
  if (target == st.warm_target) {
    return;
  }
  logging::event{"pool warm target changed"}
    .field("model", st.model.name)
    .field("warm_target", target)
    .field("was", st.warm_target)
    .field("demand_peak", st.demand.peak(now))
    .field("window_ms", st.model.prewarm_window.count())
    .info();
  st.warm_target = target;
}

/// Logs why the plan stops or retires a container, where the reason is worth a line.
void log_stop(const pool_state& st, const container_record& record, const pool_action& step) {
  switch (step.cause) {
    case plan_cause::idle_ttl:
      logging::event{"stopping idle container"}
        .field("model", st.model.name)
        .field("container", record.container.id)
        .field("reason", to_string(stop_reason::idle))
        .info();
      return;
    case plan_cause::unneeded_start:
      logging::event{"cancelling container start"}
        .field("model", st.model.name)
        .field("reason", to_string(stop_reason::idle))
        .field("detail", "no waiter needs it any more")
        .info();
      return;
    case plan_cause::max_requests:
      logging::event{"recycling container"}
        .field("model", st.model.name)
        .field("container", record.container.id)
        .field("reason", to_string(stop_reason::recycled))
        .field("detail", "max_requests")
        .field("served", record.served())
        .info();
      return;
    case plan_cause::max_age:
      logging::event{"recycling container"}
        .field("model", st.model.name)
        .field("container", record.container.id)
        .field("reason", to_string(stop_reason::recycled))
        .field("detail", "max_age")
        .field("age_limit_ms", recycle_age(st.model.max_age, st.deps.jitter_seed, step.key).count())
        .info();
      return;
    case plan_cause::refusals:
      logging::event{"retiring failing container"}
        .field("model", st.model.name)
        .field("container", record.container.id)
        .field("reason", to_string(stop_reason::failing))
        .field("detail", "it refused connections")
        .field("failures_in_row", record.slot ? record.slot->failures_in_row.load() : 0)
        .warn();
      return;
    default:
      return;
  }
}

void fail_waiters_now(self_ptr self) {
  auto& st = self->state;
  if (st.shutting_down && st.successor) {
    // Replaced by a reload: the waiters wait on in the new pool, with their own deadlines.
    auto waiting = std::move(st.waiters);
    st.waiters.clear();
    for (auto& w : waiting) {
      self->send(st.successor, acquire_atom::value, std::move(w.msg));
    }
    return;
  }
  if (st.shutting_down) {
    if (st.removing) {
      fail_waiters(self, errc::unknown_model, "the model `" + st.model.name + "` was removed");
    } else {
      fail_waiters(self, errc::shutting_down, "the engine is shutting down");
    }
    return;
  }
  auto wait = ms_between(self->clock().now(), st.start_allowed_at);
  fail_waiters(self, errc::no_capacity,
               "model " + st.model.name + " has no running container and cannot start one: "
                 + (st.last_start_error.empty() ? std::string{"pool is full"} : st.last_start_error)
                 + (wait.count() > 0 ? " (next attempt in " + std::to_string(wait.count()) + " ms)"
                                     : std::string{}),
               !st.last_start_error.empty());
}

void apply_plan(self_ptr self, const pool_plan& plan) {
  auto& st = self->state;
  for (const auto& step : plan) {
    auto it = st.containers.find(step.key);
    switch (step.what) {
      case pool_action::kind::stop:
        if (it != st.containers.end()) {
          log_stop(st, it->second, step);
          stop_container(self, step.key, step.reason);
        }
        break;
      case pool_action::kind::stop_idle:
        if (it != st.containers.end() && close_if_idle(it->second)) {
          log_stop(st, it->second, step);
          stop_container(self, step.key, step.reason);
        }
        break;
      case pool_action::kind::retire:
        if (it != st.containers.end()) {
          log_stop(st, it->second, step);
          retire(self, step.key, step.reason);
        }
        break;
      case pool_action::kind::serve:
        serve_waiters(self, st.cold_serve, st.resumed_serve);
        break;
      case pool_action::kind::pause:
        if (it != st.containers.end() && it->second.state == phase::ready
            && close_if_idle(it->second)) {
          it->second.state = phase::pausing;
          self->send(it->second.supervisor, pause_atom::value);
        }
        break;
      case pool_action::kind::resume:
        if (it != st.containers.end() && it->second.state == phase::paused) {
          it->second.state = phase::resuming;
          it->second.resume_began = self->clock().now();
          ++st.resumes;
          self->send(it->second.supervisor, resume_atom::value);
        }
        break;
      case pool_action::kind::start:
        for (int i = 0; i < step.count; ++i) {
          start_container(self);
        }
        break;
      case pool_action::kind::fail_waiters:
        fail_waiters_now(self);
        break;
      case pool_action::kind::prepare:
        prepare_containers(self, step.count);
        break;
      case pool_action::kind::discard_prepared:
        st.prepared = 0;
        st.preparing = false;
        st.deps.supervisors.containers->discard_prepared(st.model.name);
        break;
      case pool_action::kind::announce_warm:
        st.warm_reached = true;
        logging::event{"pool reached min_warm"}
          .field("model", st.model.name)
          .field("min_warm", st.model.min_warm)
          .info();
        if (st.router) {
          self->send(st.router, warm_atom::value, st.model.name);
        }
        break;
    }
  }
}

/// The bound on decide-and-apply rounds per message: a round differs from the plan's own
/// expectation only when an I/O thread took a slot meanwhile.
constexpr int settle_rounds = 3;

/// Decides and applies until nothing is left to do (the one place the policy runs), then tells
/// the I/O threads. Every handler ends with it.
void settle(self_ptr self) {
  auto& st = self->state;
  note_activity(self);
  note_demand(st, self->clock().now());
  log_warm_target(st, self->clock().now());
  for (int round = 0; round < settle_rounds; ++round) {
    auto now = self->clock().now();
    auto plan = decide(view_of(st, now), now);
    st.waiter_left = false;
    st.min_warm_lowered = false;
    st.drain_asked.clear();
    if (plan.empty()) {
      break;
    }
    apply_plan(self, plan);
  }
  st.cold_serve = false;
  st.resumed_serve = false;
  sync_gate(self);
}

} // namespace

pool_state::~pool_state() {
  if (gate) {
    gate->slots.store(nullptr); // the slots point back at the gate
  }
}

container_spec container_spec_for(const model_config& model, const pool_deps& deps) {
  container_spec spec;
  spec.model = model.name;
  spec.command = model.command;
  spec.image = model.image;
  spec.env = deps.platform_env;
  for (const auto& [key, value] : model.env) {
    spec.env[key] = value;
  }
  spec.labels = deps.labels;
  spec.labels["janus.model"] = model.name;
  spec.resources = model.resources;
  spec.network = model.network;
  spec.runtime_class = model.runtime_class;
  spec.pull = model.pull;
  return spec;
}

caf::behavior pool(caf::stateful_actor<pool_state>* self, model_config model, pool_deps deps,
                   caf::actor router, std::shared_ptr<pool_gate> gate) {
  self->state.model = std::move(model);
  self->state.deps = std::move(deps);
  self->state.gate = std::move(gate);
  self->state.router = std::move(router);
  self->state.demand = demand_window{self->state.model.prewarm_window};
  self->state.start_allowed_at = self->clock().now();
  self->state.prepare_allowed_at = self->state.start_allowed_at;
  if (can_prepare(self->state) && self->state.model.prepare_ahead == 0) {
    // An earlier pool of the model (before a reload) may have left prepared ones.
    self->state.deps.supervisors.containers->discard_prepared(self->state.model.name);
  }
  adopt_containers(self);
  settle(self);
  self->delayed_send(self, self->state.deps.tick, tick_atom::value);

  return {
    [self](acquire_atom a, acquire_msg& msg) {
      auto& st = self->state;
      if (st.shutting_down && st.successor) {
        self->send(st.successor, a, std::move(msg)); // sent before the reload's swap
        return;
      }
      if (st.shutting_down) {
        return reply_error(msg, errc::shutting_down, "the engine is shutting down");
      }
      if (is_cancelled(msg)) {
        return reply_error(msg, errc::cancelled, "the request was withdrawn");
      }
      if (st.waiters.empty()) {
        for (int tries = 0; tries < grant_tries; ++tries) {
          auto key = pick(st, msg.request.avoid_container);
          if (key == 0) {
            break;
          }
          if (grant(self, key, msg, self->clock().now(), false, false)) {
            settle(self); // a container just got busy: keep min_warm spare ones
            return;
          }
        }
      }
      if (static_cast<int>(st.waiters.size()) >= st.model.queue_limit) {
        return reply_error(msg, errc::queue_full,
                           "model " + st.model.name + " is at capacity and its queue is full ("
                             + std::to_string(st.model.queue_limit) + " waiting)");
      }
      auto timeout = std::min(msg.request.timeout, st.model.queue_timeout);
      auto id = st.next_waiter++;
      st.waiters.push_back(waiter{id, std::move(msg), self->clock().now()});
      // Published before looking at the slots again: a lease ending meanwhile either sees the
      // waiter (and tells the pool) or has freed its slot before this look.
      st.gate->waiting.store(static_cast<int>(st.waiters.size()));
      self->delayed_send(self, timeout, expire_atom::value, id);
      settle(self);
    },
    [self](expire_atom, std::uint64_t id) {
      auto& st = self->state;
      auto it = std::find_if(st.waiters.begin(), st.waiters.end(),
                             [id](const waiter& w) { return w.id == id; });
      if (it == st.waiters.end()) {
        return;
      }
      auto w = std::move(*it);
      st.waiters.erase(it);
      auto waited = ms_between(w.since, self->clock().now());
      reply_error(w.msg, errc::queue_timeout,
                  "no slot of model " + st.model.name + " became free within "
                    + std::to_string(waited.count()) + " ms");
      st.waiter_left = true;
      settle(self);
    },
    [self](cancel_atom, cancel_msg& msg) {
      // Its asker no longer wants it: the queue place is free at once. Not found: granted
      // already, expired, or its acquire has not arrived (then the flag refuses it).
      // (serve_waiters() may have dropped it already: what it caused is judged all the same.)
      auto& st = self->state;
      auto it = std::find_if(st.waiters.begin(), st.waiters.end(), [&msg](const waiter& w) {
        return w.msg.request.cancelled == msg.cancelled;
      });
      if (it != st.waiters.end()) {
        auto w = std::move(*it);
        st.waiters.erase(it);
        reply_error(w.msg, errc::cancelled, "the request was withdrawn");
      }
      st.waiter_left = true;
      settle(self);
    },
    [self](engine_up_atom) {
      // The runtime's engine answers again: failed starts were its outage, not the model's.
      auto& st = self->state;
      auto now = self->clock().now();
      if (st.failures_in_row > 0 || now < st.start_allowed_at) {
        logging::event{"container engine answers again: start back-off ended"}
          .field("model", st.model.name)
          .field("failures_in_row", st.failures_in_row)
          .info();
      }
      st.failures_in_row = 0;
      st.start_allowed_at = now;
      st.prepare_failures_in_row = 0; // the same for prepares
      st.prepare_allowed_at = now;
      settle(self);
    },
    [self](release_atom, std::uint64_t key, lease_outcome) {
      // A lease of the container ended and end_lease() gave its slot back already.
      auto& st = self->state;
      auto it = st.containers.find(key);
      if (it != st.containers.end()) {
        it->second.last_used = self->clock().now();
      }
      settle(self);
    },
    [self](poke_atom) {
      // A lease took an idle container on an I/O thread: keep min_warm spare ones.
      self->state.gate->poke_pending.store(false);
      settle(self);
    },
    [self](ready_atom, std::uint64_t key, container_info& info) {
      auto& st = self->state;
      auto it = st.containers.find(key);
      if (it == st.containers.end()) {
        return;
      }
      auto& record = it->second;
      record.container = std::move(info);
      record.last_used = self->clock().now();
      st.failures_in_row = 0;
      st.last_start_error.clear();
      if (record.state != phase::starting) {
        return; // stopping already
      }
      record.state = phase::ready;
      record.start_duration = std::chrono::duration_cast<std::chrono::microseconds>(
        self->clock().now() - record.started_at);
      record.slot = std::make_shared<lease_slot>(key, record.container.id, record.container.target,
                                                 st.model.max_concurrency, st.gate);
      st.cold_serve = true;
      settle(self);
    },
    [self](gone_atom, std::uint64_t key, stop_reason reason, std::string& detail) {
      auto& st = self->state;
      auto it = st.containers.find(key);
      if (it == st.containers.end()) {
        return;
      }
      // A start the pool itself called off (shutdown, a start no waiter needs) is no failure.
      bool failed_start = reason == stop_reason::start_failed
                          || reason == stop_reason::startup_timeout;
      close_slots(it->second);
      st.served_by_gone += it->second.served();
      st.containers.erase(it);
      if (failed_start) {
        ++st.start_failures;
        ++st.failures_in_row;
        st.last_start_error = detail;
        auto backoff = std::chrono::milliseconds{1000} * (1 << std::min(st.failures_in_row - 1, 6));
        st.start_allowed_at = self->clock().now() + std::min<std::chrono::milliseconds>(backoff, max_backoff);
      }
      settle(self);
      if (st.shutting_down && st.containers.empty()) {
        if (st.shutdown_promise.pending()) {
          st.shutdown_promise.deliver(shutdown_atom::value);
          self->quit();
        } else if (st.removing) {
          self->quit();
        }
      }
    },
    [self](paused_atom, std::uint64_t key, bool frozen) {
      auto& st = self->state;
      auto it = st.containers.find(key);
      if (it == st.containers.end() || it->second.state != phase::pausing) {
        return; // stopping meanwhile
      }
      if (frozen) {
        it->second.state = phase::paused;
        ++st.pauses;
      } else {
        it->second.state = phase::ready;
        it->second.slot->reopen();
      }
      settle(self);
    },
    [self](resumed_atom, std::uint64_t key) {
      auto& st = self->state;
      auto it = st.containers.find(key);
      if (it == st.containers.end() || it->second.state != phase::resuming) {
        return; // stopping meanwhile
      }
      auto& record = it->second;
      auto now = self->clock().now();
      record.state = phase::ready;
      record.last_used = now;
      record.resume_duration =
        std::chrono::duration_cast<std::chrono::microseconds>(now - record.resume_began);
      record.slot->reopen();
      st.resumed_serve = true;
      settle(self);
    },
    [self](prepared_atom, int count, std::string& error) {
      auto& st = self->state;
      if (st.shutting_down || !st.preparing) {
        // Ending (discarded, or handed to a reload's successor, which prepares its own) or
        // discarded since: the runtime removes what a discarded prepare made.
        return;
      }
      st.preparing = false;
      st.prepared = count;
      auto now = self->clock().now();
      if (error.empty()) {
        st.prepare_failures_in_row = 0;
      } else {
        ++st.prepare_failures_in_row;
        auto backoff = std::chrono::milliseconds{1000}
                       * (1 << std::min(st.prepare_failures_in_row - 1, 6));
        st.prepare_allowed_at = now + std::min<std::chrono::milliseconds>(backoff, max_backoff);
        logging::event{"container prepare failed"}
          .field("model", st.model.name)
          .field("detail", error)
          .field("failures_in_row", st.prepare_failures_in_row)
          .warn();
      }
      settle(self);
    },
    [self](unhealthy_atom, std::uint64_t key) {
      // Its supervisor is stopping it: no new leases, and a replacement starts now.
      auto it = self->state.containers.find(key);
      if (it != self->state.containers.end()) {
        close_slots(it->second);
        it->second.state = phase::stopping;
      }
      settle(self);
    },
    [self](tick_atom) {
      settle(self);
      if (!self->state.shutting_down) {
        self->delayed_send(self, self->state.deps.tick, tick_atom::value);
      }
    },
    [self](status_atom) {
      return status_of(self->state, self->clock().now());
    },
    [self](scale_atom, scale_msg& msg) {
      auto& st = self->state;
      if (st.shutting_down) {
        msg.reply(error_info{errc::shutting_down, "the pool is shutting down"});
        return;
      }
      if (st.model.fallback.always) {
        msg.reply(error_info{errc::invalid_request, "model " + st.model.name
                                                      + " is upstream-only: it has no containers "
                                                        "to scale"});
        return;
      }
      auto next = apply_scale({st.model.min_warm, st.model.max_containers}, msg.change);
      if (!next) {
        msg.reply(next.error());
        return;
      }
      bool lowered = next.value().min_warm < st.model.min_warm;
      st.model.min_warm = next.value().min_warm;
      st.model.max_containers = next.value().max_containers;
      logging::event{"pool scaled"}
        .field("model", st.model.name)
        .field("min_warm", st.model.min_warm)
        .field("max_containers", st.model.max_containers)
        .info();
      st.min_warm_lowered = lowered;
      settle(self);
      msg.reply(status_of(st, self->clock().now()));
    },
    [self](drain_atom, drain_msg& msg) {
      auto& st = self->state;
      if (st.shutting_down) {
        msg.reply(error_info{errc::shutting_down, "the pool is shutting down"});
        return;
      }
      drain_report report;
      std::vector<std::uint64_t> asked;
      for (const auto& [key, record] : st.containers) {
        if (record.state == phase::starting || record.state == phase::ready
            || record.state == phase::pausing || record.state == phase::paused
            || record.state == phase::resuming) {
          asked.push_back(key);
        }
      }
      st.drain_asked = asked;
      auto starts_before = st.starts;
      settle(self);
      report.started = static_cast<int>(st.starts - starts_before);
      for (auto key : asked) {
        auto it = st.containers.find(key);
        if (it != st.containers.end() && it->second.state == phase::draining) {
          ++report.draining;
        } else {
          ++report.stopped;
        }
      }
      logging::event{"pool drained"}
        .field("model", st.model.name)
        .field("stopped", report.stopped)
        .field("draining", report.draining)
        .field("started", report.started)
        .info();
      msg.reply(report);
    },
    [self](remove_model_atom) {
      // Removed from the router: no new requests reach this pool. Waiters are refused, the
      // containers drain and stop, and the pool quits once the last one is gone.
      auto& st = self->state;
      st.shutting_down = true;
      st.removing = true;
      settle(self);
      if (st.containers.empty()) {
        self->quit();
      }
    },
    [self](replaced_atom, caf::actor& successor) {
      // A reload changed the model: the successor serves it now. As on a removal the containers
      // drain and stop and the pool quits once the last one is gone, but requests go on.
      auto& st = self->state;
      st.shutting_down = true;
      st.removing = true;
      st.successor = std::move(successor);
      // The model's prepared containers go with it to the successor: its prepare keeps those
      // that run what it runs and removes the others.
      st.prepared = 0;
      st.preparing = false;
      settle(self);
      if (st.containers.empty()) {
        self->quit();
      }
    },
    [self](shutdown_atom) -> caf::result<shutdown_atom> {
      auto& st = self->state;
      st.shutting_down = true;
      st.successor = nullptr; // the engine stops: queued requests are answered here
      settle(self);
      if (st.containers.empty()) {
        self->quit();
        return shutdown_atom::value;
      }
      st.shutdown_promise = self->make_response_promise();
      return st.shutdown_promise;
    },
  };
}

} // namespace janus::actors
