#include "actors/admin_bridge.hpp"

#include <caf/all.hpp>

#include "actors/admin_messages.hpp"
#include "actors/messages.hpp"

namespace janus::actors {

void admin_bridge::connect(caf::actor router) {
  router_ = std::move(router);
}

void admin_bridge::scale(std::string model, scale_request change, status_handler on_done) {
  caf::anon_send(router_, scale_atom::value,
                 scale_msg{std::move(model), change, std::move(on_done)});
}

void admin_bridge::drain(std::string model, drain_handler on_done) {
  caf::anon_send(router_, drain_atom::value, drain_msg{std::move(model), std::move(on_done)});
}

void admin_bridge::add_model(model_config model, done_handler on_done) {
  caf::anon_send(router_, add_model_atom::value,
                 add_model_msg{std::move(model), std::move(on_done)});
}

void admin_bridge::remove_model(std::string model, done_handler on_done) {
  caf::anon_send(router_, remove_model_atom::value,
                 remove_model_msg{std::move(model), std::move(on_done)});
}

} // namespace janus::actors
