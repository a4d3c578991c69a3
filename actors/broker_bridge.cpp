#include "actors/broker_bridge.hpp"

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace janus::actors {

void broker_bridge::connect(caf::actor router, std::shared_ptr<pool_directory> directory) {
  router_ = std::move(router);
  directory_ = std::move(directory);
}

std::optional<lease> broker_bridge::try_acquire(const http::acquire_request& request) {
  auto gate = directory_ ? directory_->find(request.model) : nullptr;
  return gate ? try_lease(*gate, request) : std::nullopt;
}

void broker_bridge::acquire(http::acquire_request request, lease_handler on_lease) {
  caf::anon_send(router_, acquire_atom::value, acquire_msg{std::move(request), std::move(on_lease)});
}

void broker_bridge::cancel(const http::acquire_request& request) {
  if (!request.cancelled) {
    return;
  }
  request.cancelled->store(true);
  auto gate = directory_ ? directory_->find(request.model) : nullptr;
  if (gate && gate->pool) {
    caf::anon_send(gate->pool, cancel_atom::value, cancel_msg{request.cancelled});
  }
}

std::shared_ptr<const http::fallback_target> broker_bridge::fallback_of(const std::string& model) {
  auto gate = directory_ ? directory_->find(model) : nullptr;
  return gate ? gate->fallback : nullptr;
}

void broker_bridge::release(const lease& held, lease_outcome outcome) {
  end_lease(held, outcome);
}

void broker_bridge::models(models_handler on_models) {
  caf::anon_send(router_, models_atom::value, models_msg{std::move(on_models)});
}

void broker_bridge::readiness(ready_handler on_ready) {
  caf::anon_send(router_, ready_q_atom::value, ready_msg{std::move(on_ready)});
}

void broker_bridge::statuses(status_handler on_statuses) {
  caf::anon_send(router_, status_atom::value, status_msg{std::move(on_statuses)});
}

} // namespace janus::actors
