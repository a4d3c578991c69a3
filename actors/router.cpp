#include "actors/router.hpp"

#include "actors/container_metrics.hpp"
#include "http/fallback_target.hpp"
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
std::pair<caf::actor, std::shared_ptr<pool_gate>> spawn_unpublished(self_ptr self,
                                                                    model_config model,
                                                                    pool_deps deps) {
  auto gate = std::make_shared<pool_gate>(model.name);
  if (model.fallback.enabled()) {
    auto target = http::make_fallback_target(model.name, model.fallback);
    if (target) {
      gate->fallback = std::move(target.value());
    } else {
      // The configuration's checks passed: a CA file that is no certificate bundle.
      logging::event{"fallback disabled"}
        .field("model", model.name)
        .field("detail", target.error().message)
        .error();
    }
  }
  auto p = self->spawn<caf::linked>(pool, std::move(model), std::move(deps),
                                    caf::actor_cast<caf::actor>(self), gate);
  self->monitor(p);
  gate->pool = p;
  return {p, std::move(gate)};
}

caf::actor spawn_pool(self_ptr self, model_config model, pool_deps deps,
                      pool_directory& directory) {
  auto [p, gate] = spawn_unpublished(self, std::move(model), std::move(deps));
  directory.put(std::move(gate));
  return p;
}

/// Registers `model` (not running now) and spawns its pool: the admin API's add and a reload's.
void add_pool(self_ptr self, model_config model, const pool_deps& deps,
              pool_directory& directory) {
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
  // Readiness is about start-up: a model added later does not take the engine out of
  // rotation while its pool warms.
  st.warm.insert(name);
}

/// Unregisters `name` and lets its pool drain (new requests get unknown_model): the admin API's
/// removal and a reload's. False when no such model exists.
bool remove_pool(self_ptr self, const std::string& name, const pool_deps& deps,
                 pool_directory& directory) {
  auto& st = self->state;
  auto it = st.pools.find(name);
  bool waits_for_restart = st.restarting.erase(name) > 0;
  if (it == st.pools.end() && !waits_for_restart) {
    return false;
  }
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
  return true;
}

/// Answers the reload once no changed model's new pool waits any more.
void finish_reload_if_done(self_ptr self) {
  auto& st = self->state;
  if (!st.reload || !st.reload->swaps.empty()) {
    return;
  }
  auto run = std::move(*st.reload);
  st.reload.reset();
  run.reply(std::move(run.applied));
}

/// The new pool of a changed model takes over: it is published and gets new requests; the old
/// one drains and passes on what it holds queued. `late`: before it reached min_warm.
void take_over(self_ptr self, const std::string& name, pool_directory& directory, bool late) {
  auto& st = self->state;
  auto node = st.reload->swaps.extract(name);
  auto& swap = node.mapped();
  if (auto it = st.pools.find(name); it != st.pools.end()) {
    auto old = it->second;
    it->second = swap.pool;
    st.retiring.emplace(name, old);
    self->send(old, replaced_atom::value, swap.pool);
  } else {
    // The old pool waits for its restart after a crash loop: the new one serves instead.
    st.restarting.erase(name);
    st.pools.emplace(name, swap.pool);
  }
  directory.put(std::move(swap.gate));
  st.configs.insert_or_assign(name, std::move(swap.config));
  st.restarts.erase(name);
  if (late) {
    st.reload->applied.late.push_back(name);
  }
  logging::event{"reload: the pool with the model's new settings took over"}
    .field("model", name)
    .field("reached_min_warm", !late)
    .info();
  finish_reload_if_done(self);
}

/// Applies a reload's plan: removals and additions at once, each changed model's new pool
/// spawned beside the running one (it takes over in take_over()).
void start_reload(self_ptr self, reload_msg& msg, const pool_deps& deps,
                  pool_directory& directory) {
  auto& st = self->state;
  st.reload.emplace();
  st.reload->reply = std::move(msg.reply);
  for (const auto& name : msg.plan.removed) {
    remove_pool(self, name, deps, directory);
  }
  for (auto& model : msg.plan.added) {
    if (st.configs.contains(model.name)) {
      st.reload->applied.failed.push_back(model.name); // the plan was made from other models
      continue;
    }
    add_pool(self, std::move(model), deps, directory);
  }
  for (auto& model : msg.plan.changed) {
    auto name = model.name;
    if (!st.configs.contains(name)) {
      st.reload->applied.failed.push_back(name);
      continue;
    }
    auto pool_deps_now = deps;
    pool_deps_now.adoptable.clear();
    auto wait = model.startup_timeout + std::chrono::seconds(1);
    auto [p, gate] = spawn_unpublished(self, model, std::move(pool_deps_now));
    auto id = st.next_swap++;
    st.reload->swaps.insert_or_assign(name, pool_swap{std::move(model), p, std::move(gate), id});
    self->delayed_send(self, wait, swap_due_atom::value, name, id);
  }
  finish_reload_if_done(self);
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
  if (st.reload) {
    for (auto& [key, swap] : st.reload->swaps) {
      if (swap.pool.address() == down.source) {
        auto name = key; // the entry goes below
        // The new settings' pool stopped before it took over: the running pool stays.
        logging::event{"reload: the pool with the model's new settings stopped before it took "
                       "over; the model keeps its running settings"}
          .field("model", name)
          .field("reason", self->system().render(down.reason))
          .error();
        st.reload->applied.failed.push_back(name);
        st.reload->swaps.erase(name);
        finish_reload_if_done(self);
        return;
      }
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
      // The pool answers; the router hears the new size first (it sends it before it answers).
      msg.reply = [answer = std::move(msg.reply), name = msg.model,
                   router = caf::actor_cast<caf::weak_actor_ptr>(
                     caf::actor_cast<caf::actor>(self))](result<pool_status> status) {
        if (status) {
          if (auto strong = caf::actor_cast<caf::actor>(router)) {
            caf::anon_send(strong, scaled_atom::value, name, status.value().min_warm,
                           status.value().max_containers);
          }
        }
        answer(std::move(status));
      };
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
      if (!remove_pool(self, msg.model, deps, *directory)) {
        msg.reply(error_info{errc::unknown_model, "the model `" + msg.model + "` does not exist"});
        return;
      }
      msg.reply(msg.model);
    },
    [self](scaled_atom, const std::string& name, int min_warm, int max_containers) {
      if (auto it = self->state.configs.find(name); it != self->state.configs.end()) {
        it->second.min_warm = min_warm;
        it->second.max_containers = max_containers;
      }
    },
    [self](configs_atom, configs_msg& msg) {
      std::vector<model_config> running;
      for (const auto& name : self->state.names) {
        if (self->state.image_pools.contains(name)) {
          continue; // made for requests, not by a configuration: a reload leaves them alone
        }
        if (auto it = self->state.configs.find(name); it != self->state.configs.end()) {
          running.push_back(it->second);
        }
      }
      msg.reply(std::move(running));
    },
    [self, deps, directory](reload_atom, reload_msg& msg) {
      auto& st = self->state;
      if (st.shutting_down) {
        msg.reply(error_info{errc::shutting_down, "the engine is shutting down"});
        return;
      }
      if (st.reload) {
        msg.reply(error_info{errc::conflict, "a configuration reload is being applied"});
        return;
      }
      start_reload(self, msg, deps, *directory);
    },
    [self, directory](swap_due_atom, const std::string& name, std::uint64_t id) {
      auto& st = self->state;
      if (!st.reload) {
        return;
      }
      auto it = st.reload->swaps.find(name);
      if (it == st.reload->swaps.end() || it->second.id != id) {
        return;
      }
      logging::event{"reload: the pool with the model's new settings did not reach min_warm "
                     "within its startup_timeout; it takes over all the same"}
        .field("model", name)
        .warn();
      take_over(self, name, *directory, true);
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
                  remove_pool(self, name, deps, *directory);
                },
                [](caf::error&) {});
      }
      schedule_image_check(self, options);
    },
    [self](models_atom, models_msg& msg) {
      msg.reply(self->state.names);
    },
    [self, directory](warm_atom, const std::string& model) {
      auto& st = self->state;
      if (st.reload) {
        auto it = st.reload->swaps.find(model);
        auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
        if (it != st.reload->swaps.end() && it->second.pool.address() == sender) {
          take_over(self, model, *directory, false);
          return;
        }
      }
      st.warm.insert(model);
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
      for (auto& [name, p] : self->state.pools) {
        all.push_back(p);
      }
      for (auto& [name, p] : self->state.retiring) {
        all.push_back(p);
      }
      if (auto& run = self->state.reload) {
        for (auto& [name, swap] : run->swaps) {
          all.push_back(swap.pool);
        }
        run->reply(error_info{errc::shutting_down, "the engine is shutting down"});
        run.reset();
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
