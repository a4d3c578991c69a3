#include "actors/facade.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace janus::actors {

caf::behavior facade(caf::stateful_actor<facade_state>* self, http::server* server,
                     caf::actor router, std::chrono::milliseconds drain_timeout,
                     std::chrono::milliseconds stop_timeout) {
  self->state.server = server;
  self->state.router = std::move(router);
  server->start();
  return {
    [self, drain_timeout, stop_timeout](shutdown_atom) -> caf::result<shutdown_atom> {
      auto promise = self->make_response_promise<shutdown_atom>();
      if (self->state.stopping) {
        return caf::make_error(caf::sec::request_receiver_down, "already shutting down");
      }
      self->state.stopping = true;
      spdlog::info("draining: no new connections, {} ms for requests in flight",
                   drain_timeout.count());
      auto cut = self->state.server->drain(drain_timeout);
      if (cut > 0) {
        spdlog::warn("closed {} connection(s) still busy after the drain timeout", cut);
      }
      spdlog::info("stopping containers");
      self->request(self->state.router, stop_timeout, shutdown_atom::value)
        .then(
          [self, promise](shutdown_atom) mutable {
            spdlog::info("every container stopped");
            self->state.server->stop();
            promise.deliver(shutdown_atom::value);
          },
          [self, promise](caf::error&) mutable {
            spdlog::warn("containers did not all stop in time; the rest are killed");
            self->state.server->stop();
            promise.deliver(shutdown_atom::value);
          });
      return promise;
    },
  };
}

} // namespace janus::actors
