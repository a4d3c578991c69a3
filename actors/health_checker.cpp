#include "actors/health_checker.hpp"

#include <caf/all.hpp>

namespace janus::actors {

caf::behavior health_checker(caf::stateful_actor<health_checker_state>* self, prober probe,
                             container_metrics* metrics) {
  self->state.probe = std::move(probe);
  self->state.metrics = metrics;
  return {
    [self](watch_atom, const std::string& id, const endpoint& target, const health_config& health,
           const caf::actor& supervisor, const std::string& model) {
      auto* counts = self->state.metrics ? self->state.metrics->of(model) : nullptr;
      self->state.watched[id] = watched_container{target, health, supervisor, counts, 0, false};
      self->delayed_send(self, health.interval, probe_atom::value, id);
    },
    [self](unwatch_atom, const std::string& id) {
      self->state.watched.erase(id);
    },
    [self](probe_atom, const std::string& id) {
      auto it = self->state.watched.find(id);
      if (it == self->state.watched.end() || it->second.in_flight) {
        return;
      }
      it->second.in_flight = true;
      caf::actor me = caf::actor_cast<caf::actor>(self);
      self->state.probe(it->second.target, it->second.health.path, it->second.health.timeout,
                        [me, id](http::probe_result answer) {
                          caf::anon_send(me, probed_atom::value, id, std::move(answer));
                        });
    },
    [self](probed_atom, const std::string& id, http::probe_result& answer) {
      auto it = self->state.watched.find(id);
      if (it == self->state.watched.end()) {
        return;
      }
      auto& w = it->second;
      w.in_flight = false;
      w.failures = answer.healthy ? 0 : w.failures + 1;
      if (w.counts != nullptr) {
        w.counts->count_health_check(answer.healthy);
      }
      if (w.failures >= w.health.threshold) {
        self->send(w.supervisor, unhealthy_atom::value,
                   std::to_string(w.failures) + " failed health checks, last: " + answer.detail);
        self->state.watched.erase(it);
        return;
      }
      self->delayed_send(self, w.health.interval, probe_atom::value, id);
    },
  };
}

} // namespace janus::actors
