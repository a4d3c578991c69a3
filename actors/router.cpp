#include "actors/router.hpp"

#include "actors/container_metrics.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <memory>
#include <optional>

namespace janus::actors {

namespace {

/// Spawns the pool of `model` and lists its gate in the directory.
caf::actor spawn_pool(caf::stateful_actor<router_state>* self, model_config model, pool_deps deps,
                      pool_directory& directory) {
  auto gate = std::make_shared<pool_gate>(model.name);
  auto p = self->spawn(pool, std::move(model), std::move(deps), caf::actor_cast<caf::actor>(self),
                       gate);
  gate->pool = p;
  directory.put(std::move(gate));
  return p;
}

} // namespace

caf::behavior router(caf::stateful_actor<router_state>* self, std::vector<model_config> models,
                     pool_deps deps, std::shared_ptr<pool_directory> directory) {
  for (auto& model : models) {
    auto name = model.name;
    self->state.pools.emplace(name, spawn_pool(self, std::move(model), deps, *directory));
    self->state.names.push_back(name);
  }
  self->set_down_handler([self](caf::down_msg& down) {
    auto& retiring = self->state.retiring;
    for (auto it = retiring.begin(); it != retiring.end(); ++it) {
      if (it->second.address() == down.source) {
        retiring.erase(it);
        return;
      }
    }
  });
  return {
    [self](scale_atom a, scale_msg& msg) {
      auto it = self->state.pools.find(msg.model);
      if (it == self->state.pools.end()) {
        msg.reply(error_info{errc::unknown_model, "the model `" + msg.model + "` does not exist"});
        return;
      }
      self->send(it->second, a, std::move(msg));
    },
    [self](drain_atom a, drain_msg& msg) {
      auto it = self->state.pools.find(msg.model);
      if (it == self->state.pools.end()) {
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
      if (st.pools.contains(name)) {
        msg.reply(error_info{errc::conflict, "the model `" + name + "` exists already"});
        return;
      }
      if (st.retiring.contains(name)) {
        msg.reply(error_info{errc::conflict, "the model `" + name
                                               + "` was removed and still drains; try again later"});
        return;
      }
      if (deps.supervisors.metrics != nullptr) {
        deps.supervisors.metrics->add_model(name);
      }
      auto pool_deps_now = deps;
      pool_deps_now.adoptable.clear();
      st.pools.emplace(name, spawn_pool(self, std::move(msg.model), std::move(pool_deps_now),
                                        *directory));
      st.names.push_back(name);
      // Readiness is about start-up: a model added later does not take the engine out of
      // rotation while its pool warms.
      st.warm.insert(name);
      msg.reply(name);
    },
    [self, directory](remove_model_atom a, remove_model_msg& msg) {
      auto& st = self->state;
      auto it = st.pools.find(msg.model);
      if (it == st.pools.end()) {
        msg.reply(error_info{errc::unknown_model, "the model `" + msg.model + "` does not exist"});
        return;
      }
      auto p = it->second;
      st.pools.erase(it);
      directory->erase(msg.model);
      st.names.erase(std::remove(st.names.begin(), st.names.end(), msg.model), st.names.end());
      st.warm.erase(msg.model);
      st.retiring.emplace(msg.model, p);
      self->monitor(p);
      self->send(p, a);
      msg.reply(msg.model);
    },
    [self](acquire_atom a, acquire_msg& msg) {
      if (self->state.shutting_down) {
        msg.reply(error_info{errc::shutting_down, "the engine is shutting down"});
        return;
      }
      auto it = self->state.pools.find(msg.request.model);
      if (it == self->state.pools.end()) {
        msg.reply(error_info{errc::unknown_model, "the model `" + msg.request.model
                                                    + "` does not exist"});
        return;
      }
      self->send(it->second, a, std::move(msg));
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
      auto state = std::make_shared<gather>();
      state->answers.resize(self->state.names.size());
      state->pending = self->state.names.size();
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
      for (std::size_t i = 0; i < self->state.names.size(); ++i) {
        auto& p = self->state.pools.at(self->state.names[i]);
        self->request(p, std::chrono::seconds(5), status_atom::value)
          .then([state, i, finish_one](pool_status& status) {
                  state->answers[i] = std::move(status);
                  finish_one();
                },
                [finish_one](caf::error&) { finish_one(); });
      }
    },
    [self](shutdown_atom) -> caf::result<shutdown_atom> {
      self->state.shutting_down = true;
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
