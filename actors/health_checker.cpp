#include "actors/health_checker.hpp"

#include <caf/all.hpp>

#include <memory>
#include <mutex>
#include <vector>

#include "logging/event.hpp"

namespace janus::actors {

namespace {

using self_ptr = caf::stateful_actor<health_checker_state>*;

/// Collects the answers of one sweep's probes, on whatever thread each arrives; the last one
/// sends them all to the checker in one message.
class answer_batch {
public:
  answer_batch(caf::actor checker, std::size_t expected)
    : checker_(std::move(checker)), expected_(expected) {
    answers_.reserve(expected);
  }

  void add(std::string id, http::probe_result answer) {
    std::unique_lock<std::mutex> guard{mutex_};
    answers_.emplace_back(std::move(id), std::move(answer));
    if (answers_.size() < expected_) {
      return;
    }
    probe_answers all = std::move(answers_);
    guard.unlock();
    caf::anon_send(checker_, probed_atom::value, std::move(all));
  }

private:
  caf::actor checker_;
  std::size_t expected_;
  std::mutex mutex_;
  probe_answers answers_;
};

void schedule_sweep(self_ptr self) {
  auto& st = self->state;
  if (!st.sweep_pending && !st.watched.empty()) {
    st.sweep_pending = true;
    self->delayed_send(self, health_sweep_period, tick_atom::value);
  }
}

/// Sends every probe that is due, as one batch.
void sweep(self_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  std::vector<std::string> due;
  for (const auto& [id, w] : st.watched) {
    if (!w.in_flight && w.due <= now) {
      due.push_back(id);
    }
  }
  if (due.empty()) {
    return;
  }
  auto batch = std::make_shared<answer_batch>(caf::actor_cast<caf::actor>(self), due.size());
  for (auto& id : due) {
    auto& w = st.watched.at(id);
    w.in_flight = true;
    st.probe(w.target, w.health.path, w.health.timeout,
             [batch, id](http::probe_result answer) { batch->add(id, std::move(answer)); });
  }
}

} // namespace

caf::behavior health_checker(caf::stateful_actor<health_checker_state>* self, prober probe,
                             container_metrics* metrics) {
  self->state.probe = std::move(probe);
  self->state.metrics = metrics;
  return {
    [self](watch_atom, const std::string& id, const endpoint& target, const health_config& health,
           const caf::actor& supervisor, const std::string& model) {
      auto counts = self->state.metrics ? self->state.metrics->of(model) : nullptr;
      self->state.watched[id] = watched_container{
        target, health, supervisor, counts, 0, false, self->clock().now() + health.interval};
      schedule_sweep(self);
    },
    [self](unwatch_atom, const std::string& id) {
      self->state.watched.erase(id);
    },
    [self](tick_atom) {
      self->state.sweep_pending = false;
      sweep(self);
      schedule_sweep(self);
    },
    [self](probed_atom, probe_answers& answers) {
      auto now = self->clock().now();
      auto& st = self->state;
      std::string why;
      for (auto& [id, answer] : answers) {
        auto it = self->state.watched.find(id);
        if (it == self->state.watched.end()) {
          continue; // unwatched while its probe ran
        }
        auto& w = it->second;
        w.in_flight = false;
        if (answer.local_failure) {
          // janusd's own trouble (out of descriptors): no reason to replace a container.
          ++st.not_sent;
          why = answer.detail;
          w.due = now + w.health.interval;
          continue;
        }
        w.failures = answer.healthy ? 0 : w.failures + 1;
        if (w.counts != nullptr) {
          w.counts->count_health_check(answer.healthy);
        }
        if (w.failures >= w.health.threshold) {
          self->send(w.supervisor, unhealthy_atom::value,
                     std::to_string(w.failures) + " failed health checks, last: " + answer.detail);
          self->state.watched.erase(it);
          continue;
        }
        w.due = now + w.health.interval;
      }
      if (st.not_sent > 0 && !why.empty() && now - st.not_sent_logged >= std::chrono::seconds(1)) {
        logging::event{"health probes not sent"}
          .field("probes", st.not_sent)
          .field("detail", why)
          .warn();
        st.not_sent = 0;
        st.not_sent_logged = now;
      }
    },
  };
}

} // namespace janus::actors
