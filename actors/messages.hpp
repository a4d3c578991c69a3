#pragma once

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/reply_once.hpp"
#include "http/broker.hpp"
#include "http/health_probe.hpp"
#include "model/config.hpp"
#include "model/lease.hpp"
#include "model/pool_status.hpp"
#include "runtime/runtime.hpp"

/// The actors' message protocol: atoms and the payload types they carry.
namespace janus::actors {

// -- requests from the HTTP layer (through the router to a pool) ----------------------------
using acquire_atom = caf::atom_constant<caf::atom("acquire")>;
/// `release_atom, container key, outcome`: a lease of the container ended and its slot was given
/// back (actors/lease_gate.hpp); sent only when the pool must act on it.
using release_atom = caf::atom_constant<caf::atom("release")>;
/// A lease took an idle container and spare ones run short: the pool checks min_warm.
using poke_atom = caf::atom_constant<caf::atom("poke")>;
/// `cancel_atom, cancel_msg`: a queued lease request was withdrawn (broker::cancel).
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using models_atom = caf::atom_constant<caf::atom("models")>;
using ready_q_atom = caf::atom_constant<caf::atom("readyq")>;

// -- pool <-> supervisor ---------------------------------------------------------------------
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using gone_atom = caf::atom_constant<caf::atom("gone")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// `pause_atom` (pool to supervisor): freeze the idle container (it is out of rotation).
using pause_atom = caf::atom_constant<caf::atom("pause")>;
/// `resume_atom` (pool to supervisor): thaw the paused container and check it.
using resume_atom = caf::atom_constant<caf::atom("resume")>;
/// `paused_atom, key, bool frozen` (supervisor to pool): the pause's end; not frozen: it runs
/// as before (back to ready).
using paused_atom = caf::atom_constant<caf::atom("paused")>;
/// `resumed_atom, key` (supervisor to pool): thawed and answered its health check: ready. A
/// resume that fails ends in the container's stop (gone_atom).
using resumed_atom = caf::atom_constant<caf::atom("resumed")>;
/// `prepared_atom, int count, std::string error` (runtime to pool): a prepare's end: how many
/// containers of the model are prepared now, or (error not empty) why the prepare failed.
using prepared_atom = caf::atom_constant<caf::atom("prepared")>;

// -- supervisor internals (runtime and probe callbacks, timers) ------------------------------
using started_atom = caf::atom_constant<caf::atom("started")>;
using exited_atom = caf::atom_constant<caf::atom("exited")>;
using probe_atom = caf::atom_constant<caf::atom("probe")>;
using probed_atom = caf::atom_constant<caf::atom("probed")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
/// `pause_done_atom, bool pause, std::string error` (runtime to supervisor): the runtime's
/// pause (or resume) ended; an empty error means it worked.
using pause_done_atom = caf::atom_constant<caf::atom("pausedone")>;
/// `resume_deadline_atom, round`: a resume's health check is late.
using resume_deadline_atom = caf::atom_constant<caf::atom("resumedl")>;

// -- health checker --------------------------------------------------------------------------
/// `watch_atom, container id, endpoint, health_config, supervisor, model name`.
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using unwatch_atom = caf::atom_constant<caf::atom("unwatch")>;
using unhealthy_atom = caf::atom_constant<caf::atom("unhealthy")>;

// -- pool internals and control --------------------------------------------------------------
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using warm_atom = caf::atom_constant<caf::atom("warm")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
/// The runtime's engine answers again after it could not be reached (e.g. dockerd restarted):
/// sent to the router, which forwards it to every pool; a pool ends its start back-off and
/// starts what it lacks at once.
using engine_up_atom = caf::atom_constant<caf::atom("engineup")>;

// -- admin API (see actors/admin_messages.hpp for the payloads) ------------------------------
using scale_atom = caf::atom_constant<caf::atom("scale")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using add_model_atom = caf::atom_constant<caf::atom("addmodel")>;
using remove_model_atom = caf::atom_constant<caf::atom("rmmodel")>;

// -- configuration reload (payloads in actors/admin_messages.hpp) ----------------------------
/// `configs_atom, configs_msg`: the settings of every model the router runs, in its order.
using configs_atom = caf::atom_constant<caf::atom("configs")>;
/// `reload_atom, reload_msg`: a reload's plan, applied at once (answered when every changed
/// model's new pool took over).
using reload_atom = caf::atom_constant<caf::atom("reload")>;
/// `replaced_atom, successor`: to a pool whose model a reload changed. Like a removal (it takes no
/// new work, its containers drain, it quits once they are gone), but the requests it still gets
/// or holds queued go on to the successor, the pool with the new settings.
using replaced_atom = caf::atom_constant<caf::atom("replaced")>;
/// `scaled_atom, model, min_warm, max_containers`: a scale took effect (the router keeps the
/// size in the model's settings: a restart of the pool and a reload's comparison see it).
using scaled_atom = caf::atom_constant<caf::atom("scaled")>;

// -- router internals --------------------------------------------------------------------------
/// `restart_atom, model name`: a pool that died is due to be restarted (after a crash loop).
using restart_atom = caf::atom_constant<caf::atom("restart")>;
/// `swap_due_atom, model name`: a changed model's new pool did not reach min_warm in time; it
/// takes over anyway.
using swap_due_atom = caf::atom_constant<caf::atom("swapdue")>;

/// A lease request with the callback that receives the answer, exactly once: a message dropped
/// unanswered (e.g. by a pool that died) answers no_capacity (actors/reply_once.hpp).
struct acquire_msg {
  http::acquire_request request;
  reply_once<result<lease>> reply;
};

/// Which lease request was withdrawn: the flag its acquire_request shares with the pool.
struct cancel_msg {
  std::shared_ptr<std::atomic<bool>> cancelled;
};

/// The models list request's callback (an empty list when dropped).
struct models_msg {
  reply_once<std::vector<std::string>> reply;
};

/// The readiness request's callback (not ready when dropped).
struct ready_msg {
  reply_once<bool, std::string> reply;
};

/// The pool statuses request's callback (no pools when dropped).
struct status_msg {
  reply_once<std::vector<pool_status>> reply;
};

/// The answers of several health probes, by container id, delivered in one message.
using probe_answers = std::vector<std::pair<std::string, http::probe_result>>;

/// Sends a health probe; the test fixture replaces the real HTTP one.
using prober = std::function<void(const endpoint& target, const std::string& path,
                                  std::chrono::milliseconds timeout,
                                  std::function<void(http::probe_result)> on_result)>;

/// Why a container left its pool: for logs and the stops counter.
enum class stop_reason : std::uint8_t {
  idle,
  recycled,
  unhealthy,
  exited,
  start_failed,
  startup_timeout,
  failing,
  shutdown,
};

std::string_view to_string(stop_reason reason);

} // namespace janus::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::acquire_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::cancel_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::models_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::ready_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::stop_reason)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::pool_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<janus::pool_status>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::status_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::lease_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::endpoint)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::container_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::container_exit)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::result<janus::container_info>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::http::probe_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::actors::probe_answers)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(janus::health_config)
