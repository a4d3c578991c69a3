#include "actors/supervisor.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace janus::actors {

namespace {

/// The longest pause between two readiness probes while a container starts.
constexpr auto max_probe_delay = std::chrono::milliseconds(200);

} // namespace

caf::behavior supervisor(caf::stateful_actor<supervisor_state>* self, caf::actor pool,
                         std::uint64_t key, container_spec spec, model_config model,
                         supervisor_deps deps) {
  using phase = supervisor_state::phase;
  auto model_name = spec.model;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  deps.containers->start(
    std::move(spec),
    [me](result<container_info> started) {
      caf::anon_send(me, started_atom::value, std::move(started));
    },
    [me](container_exit exit) { caf::anon_send(me, exited_atom::value, std::move(exit)); });

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

  self->monitor(pool);
  self->set_down_handler([stop](const caf::down_msg&) { stop(stop_reason::shutdown); });

  return {
    [self, model, deps, finish, stop, model_name](started_atom, result<container_info>& started) {
      if (!started) {
        spdlog::warn("model {}: container start failed: {}", model_name, started.error().message);
        finish(stop_reason::start_failed, started.error().message);
        return;
      }
      self->state.container = started.value();
      if (self->state.current == phase::stopping) {
        deps.containers->stop(self->state.container.id, model.stop_grace);
        return;
      }
      self->state.current = phase::probing;
      self->delayed_send(self, model.startup_timeout, deadline_atom::value);
      self->send(self, probe_atom::value);
    },
    [self, model, deps](probe_atom) {
      if (self->state.current != phase::probing || self->state.probe_in_flight) {
        return;
      }
      self->state.probe_in_flight = true;
      caf::actor me = caf::actor_cast<caf::actor>(self);
      auto timeout = std::min(model.health.timeout, model.startup_timeout);
      deps.probe(self->state.container.target, model.health.path, timeout,
                 [me](http::probe_result answer) {
                   caf::anon_send(me, probed_atom::value, std::move(answer));
                 });
    },
    [self, pool, key, model, deps](probed_atom, http::probe_result& answer) {
      self->state.probe_in_flight = false;
      if (self->state.current != phase::probing) {
        return;
      }
      if (!answer.healthy) {
        auto delay = self->state.probe_delay;
        self->state.probe_delay = std::min(delay * 2, std::chrono::milliseconds{max_probe_delay});
        self->delayed_send(self, delay, probe_atom::value);
        return;
      }
      self->state.current = phase::ready;
      spdlog::info("model {}: container {} ready on 127.0.0.1:{}", model.name,
                   self->state.container.id, self->state.container.target.port);
      self->send(pool, ready_atom::value, key, self->state.container);
      if (deps.health) {
        self->send(deps.health, watch_atom::value, self->state.container.id,
                   self->state.container.target, model.health, caf::actor_cast<caf::actor>(self));
      }
    },
    [self, model, stop](deadline_atom) {
      if (self->state.current == phase::probing) {
        spdlog::warn("model {}: container {} not ready within {} ms", model.name,
                     self->state.container.id, model.startup_timeout.count());
        stop(stop_reason::startup_timeout);
      }
    },
    [self, pool, key, model, stop](unhealthy_atom, const std::string& detail) {
      if (self->state.current == phase::ready) {
        spdlog::warn("model {}: container {} unhealthy: {}", model.name, self->state.container.id,
                     detail);
        self->send(pool, unhealthy_atom::value, key);
        stop(stop_reason::unhealthy);
      }
    },
    [self, stop](stop_atom, stop_reason reason) {
      stop(reason);
    },
    [self, model, finish](exited_atom, container_exit& exit) {
      auto reason = self->state.current == phase::stopping ? self->state.reason
                    : self->state.current == phase::ready  ? stop_reason::exited
                                                           : stop_reason::start_failed;
      auto detail = self->state.current == phase::probing
                      ? exit.description + " before becoming ready"
                      : exit.description;
      spdlog::info("model {}: container {} gone ({}): {}", model.name, exit.id, to_string(reason),
                   detail);
      finish(reason, std::move(detail));
    },
  };
}

} // namespace janus::actors
