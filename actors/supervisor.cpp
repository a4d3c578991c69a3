#include "actors/supervisor.hpp"

#include <caf/all.hpp>

#include "actors/container_metrics.hpp"
#include "actors/readiness_schedule.hpp"
#include "logging/event.hpp"

namespace janus::actors {

namespace {

/// "container ready", with the whole start's duration and its steps: the runtime's phases
/// (`create_ms`, ... as it timed them), then `ready_ms` from started to the first healthy probe.
void log_ready(const supervisor_state& st, const std::string& model,
               caf::actor_clock::time_point now) {
  if (!logging::enabled(spdlog::level::info)) {
    return;
  }
  logging::event line{"container ready"};
  line.field("model", model)
    .field("container", st.container.id)
    .field("port", st.container.target.port)
    .millis("start_ms", now - st.began);
  std::string key;
  for (const auto& step : st.container.phases) {
    key = step.name + "_ms";
    line.millis(key, step.took);
  }
  line.millis("ready_ms", now - st.started).field("probes", st.probes).info();
}

/// The lifecycle once the container's start (or adoption) is under way: started → probing →
/// ready → stopping → gone.
caf::behavior supervise(caf::stateful_actor<supervisor_state>* self, caf::actor pool,
                        std::uint64_t key, model_config model, supervisor_deps deps) {
  using phase = supervisor_state::phase;
  auto model_name = model.name;
  self->state.began = self->clock().now();
  self->state.counts = deps.metrics ? deps.metrics->of(model.name) : nullptr;
  model_container_metrics* counts = self->state.counts.get();

  // Counts the start's result, once.
  auto count_start = [self, counts](start_result result) {
    if (self->state.start_counted) {
      return;
    }
    self->state.start_counted = true;
    if (counts != nullptr) {
      counts->count_start(result);
      if (result == start_result::ok) {
        counts->observe_start(self->clock().now() - self->state.began);
      }
    }
  };

  // Ends the supervisor: one gone report to the pool, then quit.
  auto finish = [self, pool, key, deps](stop_reason reason, std::string detail) {
    if (deps.health && !self->state.container.id.empty()) {
      self->send(deps.health, unwatch_atom::value, self->state.container.id);
    }
    self->send(pool, gone_atom::value, key, reason, std::move(detail));
    self->quit();
  };

  // Asks the runtime to stop the container; its exit ends the supervisor.
  auto stop = [self, model, deps](stop_reason reason) {
    if (self->state.current == phase::stopping) {
      return;
    }
    self->state.current = phase::stopping;
    self->state.reason = reason;
    if (!self->state.container.id.empty()) {
      deps.containers->stop(self->state.container.id, model.stop_grace);
    } // otherwise the start is still under way: stopped as soon as it completes
  };

  // Periodic health probes of the ready container, and their end (a paused one cannot answer).
  auto watch = [self, model, deps] {
    if (deps.health) {
      self->send(deps.health, watch_atom::value, self->state.container.id,
                 self->state.container.target, model.health, caf::actor_cast<caf::actor>(self),
                 model.name);
    }
  };
  auto unwatch = [self, deps] {
    if (deps.health) {
      self->send(deps.health, unwatch_atom::value, self->state.container.id);
    }
  };

  self->monitor(pool);
  self->set_down_handler([stop](const caf::down_msg&) { stop(stop_reason::shutdown); });

  return {
    [self, model, deps, finish, stop, model_name, count_start](started_atom,
                                                               result<container_info>& started) {
      if (!started) {
        logging::event{"container start failed"}
          .field("model", model_name)
          .field("reason", to_string(stop_reason::start_failed))
          .field("detail", started.error().message)
          .warn();
        count_start(start_result::failed);
        finish(stop_reason::start_failed, started.error().message);
        return;
      }
      self->state.container = started.value();
      logging::event{"container started"}
        .field("model", model_name)
        .field("container", self->state.container.id)
        .field("port", self->state.container.target.port)
        .info();
      if (self->state.current == phase::stopping) {
        deps.containers->stop(self->state.container.id, model.stop_grace);
        return;
      }
      self->state.current = phase::probing;
      self->state.started = self->clock().now();
      self->delayed_send(self, model.startup_timeout, deadline_atom::value);
      self->send(self, probe_atom::value);
    },
    [self, model, deps](probe_atom) {
      auto current = self->state.current;
      if ((current != phase::probing && current != phase::resuming)
          || self->state.probe_in_flight) {
        return;
      }
      self->state.probe_in_flight = true;
      ++self->state.probes;
      caf::actor me = caf::actor_cast<caf::actor>(self);
      auto timeout = std::min(model.health.timeout, model.startup_timeout);
      deps.probe(self->state.container.target, model.health.path, timeout,
                 [me](http::probe_result answer) {
                   caf::anon_send(me, probed_atom::value, std::move(answer));
                 });
    },
    [self, pool, key, model, deps, count_start, watch](probed_atom, http::probe_result& answer) {
      self->state.probe_in_flight = false;
      if (self->state.current == phase::resuming) {
        if (!answer.healthy) {
          auto checking_for = std::chrono::duration_cast<std::chrono::milliseconds>(
            self->clock().now() - self->state.resume_began);
          self->delayed_send(self, next_probe_delay(checking_for), probe_atom::value);
          return;
        }
        self->state.current = phase::ready;
        logging::event{"container resumed"}
          .field("model", model.name)
          .field("container", self->state.container.id)
          .millis("resume_ms", self->clock().now() - self->state.resume_began)
          .millis("thaw_ms", self->state.thawed - self->state.resume_began)
          .millis("check_ms", self->clock().now() - self->state.thawed)
          .info();
        self->send(pool, resumed_atom::value, key);
        watch();
        return;
      }
      if (self->state.current != phase::probing) {
        return;
      }
      if (!answer.healthy) {
        auto probing_for = std::chrono::duration_cast<std::chrono::milliseconds>(
          self->clock().now() - self->state.started);
        self->delayed_send(self, next_probe_delay(probing_for), probe_atom::value);
        return;
      }
      self->state.current = phase::ready;
      self->state.was_ready = true;
      count_start(start_result::ok);
      log_ready(self->state, model.name, self->clock().now());
      self->send(pool, ready_atom::value, key, self->state.container);
      watch();
    },
    [self, model, stop, count_start](deadline_atom) {
      if (self->state.current == phase::probing) {
        logging::event{"container not ready in time"}
          .field("model", model.name)
          .field("container", self->state.container.id)
          .field("reason", to_string(stop_reason::startup_timeout))
          .field("startup_timeout_ms", model.startup_timeout.count())
          .warn();
        count_start(start_result::timeout);
        stop(stop_reason::startup_timeout);
      }
    },
    [self, pool, key, model, stop](unhealthy_atom, const std::string& detail) {
      if (self->state.current == phase::ready) {
        logging::event{"container unhealthy"}
          .field("model", model.name)
          .field("container", self->state.container.id)
          .field("detail", detail)
          .warn();
        self->send(pool, unhealthy_atom::value, key);
        stop(stop_reason::unhealthy);
      }
    },
    [self, stop](stop_atom, stop_reason reason) {
      stop(reason);
    },
    [self, pool, key, deps, unwatch](pause_atom) {
      if (self->state.current != phase::ready) {
        if (self->state.current != phase::stopping) {
          self->send(pool, paused_atom::value, key, false);
        }
        return;
      }
      self->state.current = phase::pausing;
      unwatch();
      caf::actor me = caf::actor_cast<caf::actor>(self);
      deps.containers->pause(self->state.container.id, [me](std::optional<error_info> failed) {
        caf::anon_send(me, pause_done_atom::value, true,
                       failed ? std::move(failed->message) : std::string{});
      });
    },
    [self, model, deps](resume_atom) {
      if (self->state.current != phase::paused) {
        return; // stopping: gone follows
      }
      self->state.current = phase::resuming;
      self->state.resume_began = self->clock().now();
      auto round = ++self->state.resumes;
      self->delayed_send(self, model.startup_timeout, resume_deadline_atom::value, round);
      caf::actor me = caf::actor_cast<caf::actor>(self);
      deps.containers->resume(self->state.container.id, [me](std::optional<error_info> failed) {
        caf::anon_send(me, pause_done_atom::value, false,
                       failed ? std::move(failed->message) : std::string{});
      });
    },
    [self, pool, key, model, stop, watch](pause_done_atom, bool paused, std::string& error) {
      auto& st = self->state;
      if (paused && st.current == phase::pausing) {
        if (!error.empty()) {
          logging::event{"container pause failed"}
            .field("model", model.name)
            .field("container", st.container.id)
            .field("detail", error)
            .warn();
          st.current = phase::ready;
          watch();
          self->send(pool, paused_atom::value, key, false);
          return;
        }
        st.current = phase::paused;
        logging::event{"container paused"}
          .field("model", model.name)
          .field("container", st.container.id)
          .info();
        self->send(pool, paused_atom::value, key, true);
      } else if (!paused && st.current == phase::resuming) {
        if (!error.empty()) {
          logging::event{"container resume failed"}
            .field("model", model.name)
            .field("container", st.container.id)
            .field("reason", to_string(stop_reason::unhealthy))
            .field("detail", error)
            .warn();
          stop(stop_reason::unhealthy);
          return;
        }
        st.thawed = self->clock().now();
        self->send(self, probe_atom::value); // checked before its first request
      }
    },
    [self, model, stop](resume_deadline_atom, std::uint64_t round) {
      if (self->state.current == phase::resuming && round == self->state.resumes) {
        logging::event{"container not healthy in time after its resume"}
          .field("model", model.name)
          .field("container", self->state.container.id)
          .field("reason", to_string(stop_reason::unhealthy))
          .field("startup_timeout_ms", model.startup_timeout.count())
          .warn();
        stop(stop_reason::unhealthy);
      }
    },
    [self, model, finish, count_start, counts](exited_atom, container_exit& exit) {
      // A stop's reason holds only when the stop ended the container: one that died of
      // something else meanwhile (killed while draining or recycling) exited.
      bool stopped_by_us = self->state.current == phase::stopping && !exit.on_its_own;
      auto reason = stopped_by_us            ? self->state.reason
                    : self->state.was_ready ? stop_reason::exited
                                            : stop_reason::start_failed;
      auto detail = !self->state.was_ready && !stopped_by_us
                      ? exit.description + " before becoming ready"
                      : exit.description;
      count_start(reason == stop_reason::start_failed ? start_result::failed
                  : reason == stop_reason::startup_timeout ? start_result::timeout
                                                           : start_result::cancelled);
      if (counts != nullptr) {
        counts->count_stop(reason);
      }
      bool expected = reason != stop_reason::exited && reason != stop_reason::start_failed;
      logging::event{"container stopped"}
        .field("model", model.name)
        .field("container", exit.id)
        .field("reason", to_string(reason))
        .field("detail", detail)
        .log(expected ? spdlog::level::info : spdlog::level::warn);
      finish(reason, std::move(detail));
    },
  };
}

} // namespace

caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self, caf::actor pool,
                         std::uint64_t key, container_spec spec, model_config model,
                         supervisor_deps deps) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  deps.containers->start(
    std::move(spec),
    [me](result<container_info> started) {
      caf::anon_send(me, started_atom::value, std::move(started));
    },
    [me](container_exit exit) { caf::anon_send(me, exited_atom::value, std::move(exit)); });
  return supervise(self, std::move(pool), key, std::move(model), std::move(deps));
}

caf::behavior adopting_supervisor(caf::stateful_actor<supervisor_state>* self, caf::actor pool,
                                  std::uint64_t key, container_info container, model_config model,
                                  supervisor_deps deps) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  deps.containers->adopt(container, [me](container_exit exit) {
    caf::anon_send(me, exited_atom::value, std::move(exit));
  });
  self->send(self, started_atom::value, result<container_info>{std::move(container)});
  return supervise(self, std::move(pool), key, std::move(model), std::move(deps));
}

} // namespace janus::actors
