#include "actors/router.hpp"

#include "actors/container_metrics.hpp"
#include "logging/event.hpp"
#include "model/admin.hpp"
#include "model/image_pools.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <memory>
#include <optional>

namespace janus::actors {

namespace {

using self_ptr = caf::stateful_actor<router_state>*;

/// Spawns the pool of `model`, linked (it goes when the router goes) and monitored (the router
/// hears when it dies), and lists its gate in the directory.
caf::actor spawn_pool(self_ptr self, model_config model, pool_deps deps,
                      pool_directory& directory) {
  auto gate = std::make_shared<pool_gate>(model.name);
  auto p = self->spawn<caf::linked>(pool, std::move(model), std::move(deps),
                                    caf::actor_cast<caf::actor>(self), gate);
  self->monitor(p);
  gate->pool = p;
  directory.put(std::move(gate));
  return p;
}

/// The pool of `name` spawned again from its configuration (never adopting: an earlier run's
/// containers were offered once, at start).
void respawn(self_ptr self, const std::string& name, pool_deps deps, pool_directory& directory) {
  auto& st = self->state;
  deps.adoptable.clear();
  st.pools[name] = spawn_pool(self, st.configs.at(name), std::move(deps), directory);
  logging::event{"pool restarted"}.field("model", name).info();
}

/// When the pool of a model that died may start again: now, unless it was restarted
/// `restart_limit` times within the window; then when the oldest of those leaves the window.
caf::actor_clock::time_point restart_due(router_state& st, const std::string& name,
                                         const router_options& options,
                                         caf::actor_clock::time_point now) {
  auto& times = st.restarts[name];
  while (!times.empty() && now - times.front() >= options.restart_window) {
    times.pop_front();
  }
  if (static_cast<int>(times.size()) < options.restart_limit) {
    return now;
  }
  return times.front() + options.restart_window;
}

/// A pool of the router died: removed and retiring pools are let go; a live one is logged and
/// restarted (now, or later after a crash loop). Its waiters were answered by their messages.
void on_pool_down(self_ptr self, const caf::down_msg& down, const pool_deps& deps,
                  pool_directory& directory, const router_options& options) {
  auto& st = self->state;
  for (auto it = st.retiring.begin(); it != st.retiring.end(); ++it) {
    if (it->second.address() == down.source) {
      st.retiring.erase(it);
      return;
    }
  }
  auto dead = std::find_if(st.pools.begin(), st.pools.end(),
                           [&](const auto& entry) { return entry.second.address() == down.source; });
  if (dead == st.pools.end()) {
    return;
  }
  auto name = dead->first;
  st.pools.erase(dead);
  if (st.shutting_down) {
    return;
  }
  auto now = self->clock().now();
  auto due = restart_due(st, name, options, now);
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(due - now);
  logging::event{"pool stopped"}
    .field("model", name)
    .field("reason", self->system().render(down.reason))
    .field("restart_in_ms", wait.count())
    .error();
  if (due <= now) {
    st.restarts[name].push_back(now);
    respawn(self, name, deps, directory);
    return;
  }
  // A crash loop: no lease fast path meanwhile; requests get no_capacity from the router.
  directory.erase(name);
  st.restarting[name] = due;
  self->delayed_send(self, due - now, restart_atom::value, name);
}

/// The error for a request to a model whose pool waits for its restart.
error_info restarting_error(const std::string& name, caf::actor_clock::time_point due,
                            caf::actor_clock::time_point now) {
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(due - now);
  return error_info{errc::no_capacity, "the pool of model " + name
                                         + " stopped repeatedly and restarts in "
                                         + std::to_string(std::max<std::int64_t>(0, wait.count()))
                                         + " ms"};
}

/// Takes the pool of `name` out of service: no new leases, it drains its containers and quits.
void retire_pool(self_ptr self, const std::string& name, const pool_deps& deps,
                 pool_directory& directory) {
  auto& st = self->state;
  auto it = st.pools.find(name);
  if (deps.supervisors.metrics != nullptr) {
    // Its series stay while its draining containers are counted, then leave the page.
    deps.supervisors.metrics->remove_model(name);
  }
  directory.erase(name);
  st.names.erase(std::remove(st.names.begin(), st.names.end(), name), st.names.end());
  st.warm.erase(name);
  st.configs.erase(name);
  st.added.erase(name);
  st.restarts.erase(name);
  st.image_pools.erase(name);
  st.idle_since.erase(name);
  if (it != st.pools.end()) {
    auto p = it->second;
    st.pools.erase(it);
    st.retiring.emplace(name, p);
    self->send(p, remove_model_atom::value);
  }
}

/// Registers and spawns the pool of a model that is not in the configuration file (added
/// through the admin API, or made for a request's image name).
void add_pool(self_ptr self, model_config model, const pool_deps& deps, pool_directory& directory) {
  auto& st = self->state;
  auto name = model.name;
  if (deps.supervisors.metrics != nullptr) {
    deps.supervisors.metrics->add_model(name);
  }
  auto pool_deps_now = deps;
  pool_deps_now.adoptable.clear();
  st.configs.insert_or_assign(name, model);
  st.restarts.erase(name);
  st.pools.emplace(name, spawn_pool(self, std::move(model), std::move(pool_deps_now), directory));
  st.names.push_back(name);
  // Readiness is about start-up: a model added later does not take the engine out of rotation
  // while its pool warms.
  st.warm.insert(name);
}

void schedule_image_check(self_ptr self, const router_options& options) {
  auto& st = self->state;
  if (st.image_check_scheduled || st.image_pools.empty() || st.shutting_down) {
    return;
  }
  st.image_check_scheduled = true;
  self->delayed_send(self, options.image_pool_check, tick_atom::value);
}

/// Whether a pool's status shows nothing to keep it for.
bool idle(const pool_status& status) {
  return status.containers.empty() && status.waiting == 0 && status.inflight == 0;
}

} // namespace

caf::behavior router(caf::stateful_actor<router_state>* self, std::vector<model_config> models,
                     pool_deps deps, std::shared_ptr<pool_directory> directory,
                     router_options options) {
  for (auto& model : models) {
    auto name = model.name;
    self->state.configs.emplace(name, model);
    self->state.pools.emplace(name, spawn_pool(self, std::move(model), deps, *directory));
    self->state.names.push_back(name);
  }
  // Only the pools are linked to the router: their exits are handled as down messages. An
  // exit sent to the router itself (anon_send_exit, as the engine does: its source is the
  // router's own address) ends it, and its pools with it.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (!msg.source || msg.source == self->address()) {
      self->quit(std::move(msg.reason));
    }
  });
  self->set_down_handler([self, deps, directory, options](caf::down_msg& down) {
    on_pool_down(self, down, deps, *directory, options);
  });
  return {
    [self, deps, directory](restart_atom, const std::string& name) {
      auto& st = self->state;
      if (st.shutting_down || st.restarting.erase(name) == 0) {
        return;
      }
      st.restarts[name].push_back(self->clock().now());
      respawn(self, name, deps, *directory);
    },
    [self, options](scale_atom a, scale_msg& msg) {
      auto& st = self->state;
      if (auto due = st.restarting.find(msg.model); due != st.restarting.end()) {
        msg.reply(restarting_error(msg.model, due->second, self->clock().now()));
        return;
      }
      auto it = st.pools.find(msg.model);
      if (it == st.pools.end()) {
        msg.reply(error_info{errc::unknown_model, "the model `" + msg.model + "` does not exist"});
        return;
      }
      if (st.added.contains(msg.model)) {
        if (auto violation = check_scale_limits(msg.change, options.limits)) {
          msg.reply(std::move(*violation));
          return;
        }
      }
      self->send(it->second, a, std::move(msg));
    },
    [self](drain_atom a, drain_msg& msg) {
      auto& st = self->state;
      if (auto due = st.restarting.find(msg.model); due != st.restarting.end()) {
        msg.reply(restarting_error(msg.model, due->second, self->clock().now()));
        return;
      }
      auto it = st.pools.find(msg.model);
      if (it == st.pools.end()) {
        msg.reply(error_info{errc::unknown_model, "the model `" + msg.model + "` does not exist"});
        return;
      }
      self->send(it->second, a, std::move(msg));
    },
    [self, deps, directory](add_model_atom, add_model_msg& msg) {
      auto& st = self->state;
      if (st.shutting_down) {
        msg.reply(error_info{errc::shutting_down, "the engine is shutting down"});
        return;
      }
      auto name = msg.model.name;
      if (st.pools.contains(name) || st.restarting.contains(name)) {
        msg.reply(error_info{errc::conflict, "the model `" + name + "` exists already"});
        return;
      }
      if (st.retiring.contains(name)) {
        msg.reply(error_info{errc::conflict, "the model `" + name
                                               + "` was removed and still drains; try again later"});
        return;
      }
      add_pool(self, std::move(msg.model), deps, *directory);
      st.added.insert(name);
      msg.reply(name);
    },
    [self, deps, directory](remove_model_atom, remove_model_msg& msg) {
      auto& st = self->state;
      bool exists = st.pools.contains(msg.model);
      bool waits_for_restart = st.restarting.erase(msg.model) > 0;
      if (!exists && !waits_for_restart) {
        msg.reply(error_info{errc::unknown_model, "the model `" + msg.model + "` does not exist"});
        return;
      }
      retire_pool(self, msg.model, deps, *directory);
      msg.reply(msg.model);
    },
    [self, deps, directory, options](acquire_atom a, acquire_msg& msg) {
      if (self->state.shutting_down) {
        msg.reply(error_info{errc::shutting_down, "the engine is shutting down"});
        return;
      }
      auto& st = self->state;
      const auto& name = msg.request.model;
      if (auto due = st.restarting.find(name); due != st.restarting.end()) {
        msg.reply(restarting_error(name, due->second, self->clock().now()));
        return;
      }
      auto it = st.pools.find(name);
      if (it == st.pools.end()) {
        auto made = image_pool_model(name, options.docker, options.limits, st.image_pools.size());
        if (!made) {
          msg.reply(made.error());
          return;
        }
        logging::event{"image pool made"}
          .field("model", name)
          .field("image_pools", st.image_pools.size() + 1)
          .field("max_image_pools", options.docker.max_image_pools)
          .info();
        st.image_pools.insert(name);
        add_pool(self, std::move(made.value()), deps, *directory);
        schedule_image_check(self, options);
        it = st.pools.find(name);
      }
      st.idle_since.erase(name);
      self->send(it->second, a, std::move(msg));
    },
    [self, deps, directory, options](tick_atom) {
      auto& st = self->state;
      st.image_check_scheduled = false;
      if (st.shutting_down) {
        return;
      }
      for (const auto& name : st.image_pools) {
        auto it = st.pools.find(name);
        if (it == st.pools.end()) {
          continue;
        }
        self->request(it->second, std::chrono::seconds(5), status_atom::value)
          .then([self, deps, directory, name, options](pool_status& status) {
                  auto& st = self->state;
                  if (!st.image_pools.contains(name)) {
                    return;
                  }
                  if (!idle(status)) {
                    st.idle_since.erase(name);
                    return;
                  }
                  auto now = self->clock().now();
                  auto [since, fresh] = st.idle_since.try_emplace(name, now);
                  if (now - since->second < options.docker.image_pool_template.idle_ttl) {
                    return;
                  }
                  logging::event{"image pool removed"}
                    .field("model", name)
                    .field("reason", "idle")
                    .field("idle_ttl_ms", options.docker.image_pool_template.idle_ttl.count())
                    .info();
                  retire_pool(self, name, deps, *directory);
                },
                [](caf::error&) {});
      }
      schedule_image_check(self, options);
    },
    [self](models_atom, models_msg& msg) {
      msg.reply(self->state.names);
    },
    [self](warm_atom, const std::string& model) {
      self->state.warm.insert(model);
    },
    [self](engine_up_atom a) {
      for (auto& [name, p] : self->state.pools) {
        self->send(p, a);
      }
    },
    [self](ready_q_atom, ready_msg& msg) {
      std::string waiting;
      for (const auto& name : self->state.names) {
        if (!self->state.warm.contains(name)) {
          waiting += waiting.empty() ? name : ", " + name;
        }
      }
      if (self->state.shutting_down) {
        msg.reply(false, "shutting down");
      } else if (waiting.empty()) {
        msg.reply(true, "every pool reached min_warm");
      } else {
        msg.reply(false, "waiting for min_warm: " + waiting);
      }
    },
    [self](status_atom, const std::string& model) -> caf::result<pool_status> {
      auto it = self->state.pools.find(model);
      if (it == self->state.pools.end()) {
        return caf::make_error(caf::sec::invalid_argument, "unknown model " + model);
      }
      auto promise = self->make_response_promise<pool_status>();
      self->request(it->second, caf::infinite, status_atom::value)
        .then([promise](pool_status& status) mutable { promise.deliver(std::move(status)); },
              [promise](caf::error& err) mutable { promise.deliver(std::move(err)); });
      return promise;
    },
    [self](status_atom, status_msg& msg) {
      // Ask every pool; answer once all replied (a pool that is gone is left out).
      struct gather {
        std::vector<std::optional<pool_status>> answers;
        std::size_t pending = 0;
        status_msg msg;
      };
      std::vector<caf::actor> asked;
      for (const auto& name : self->state.names) {
        if (auto it = self->state.pools.find(name); it != self->state.pools.end()) {
          asked.push_back(it->second);
        }
      }
      auto state = std::make_shared<gather>();
      state->answers.resize(asked.size());
      state->pending = asked.size();
      state->msg = std::move(msg);
      auto finish_one = [state] {
        if (--state->pending == 0) {
          std::vector<pool_status> out;
          for (auto& answer : state->answers) {
            if (answer) {
              out.push_back(std::move(*answer));
            }
          }
          state->msg.reply(std::move(out));
        }
      };
      if (state->pending == 0) {
        state->msg.reply({});
        return;
      }
      for (std::size_t i = 0; i < asked.size(); ++i) {
        self->request(asked[i], std::chrono::seconds(5), status_atom::value)
          .then([state, i, finish_one](pool_status& status) {
                  state->answers[i] = std::move(status);
                  finish_one();
                },
                [finish_one](caf::error&) { finish_one(); });
      }
    },
    [self](shutdown_atom) -> caf::result<shutdown_atom> {
      self->state.shutting_down = true;
      self->state.restarting.clear();
      auto promise = self->make_response_promise<shutdown_atom>();
      std::vector<caf::actor> all;
      for (auto* group : {&self->state.pools, &self->state.retiring}) {
        for (auto& [name, p] : *group) {
          all.push_back(p);
        }
      }
      auto pending = std::make_shared<std::size_t>(all.size());
      if (*pending == 0) {
        return shutdown_atom::value;
      }
      for (auto& p : all) {
        self->request(p, caf::infinite, shutdown_atom::value)
          .then([promise, pending](shutdown_atom) mutable {
                  if (--*pending == 0) {
                    promise.deliver(shutdown_atom::value);
                  }
                },
                [promise, pending](caf::error&) mutable {
                  if (--*pending == 0) {
                    promise.deliver(shutdown_atom::value);
                  }
                });
      }
      return promise;
    },
  };
}

} // namespace janus::actors
