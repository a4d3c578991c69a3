#include "runtime/docker_runtime.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "logging/event.hpp"
#include "runtime/docker_prepared.hpp"
#include "runtime/docker_reconcile.hpp"
#include "runtime/docker_starts.hpp"
#include "runtime/docker_state.hpp"

namespace janus {

namespace net = boost::asio;

docker_runtime::docker_runtime(boost::asio::io_context& io, docker_config cfg,
                               docker_isolation isolation, container_logs* container_output)
  : io_(io),
    state_(std::make_shared<docker::docker_state>(io, std::move(cfg), std::move(isolation),
                                                  container_output)) {
}

docker_runtime::~docker_runtime() {
  // The handler may hold actor handles; the io_context runs no more.
  state_->on_available = nullptr;
  auto leftovers = state_->leftovers();
  if (leftovers.empty()) {
    return;
  }
  logging::event{"docker: removing containers still running"}
    .field("count", leftovers.size())
    .warn();
  net::io_context cleanup;
  for (const auto& id : leftovers) {
    net::co_spawn(cleanup, docker::remove_container(state_->api, id), net::detached);
  }
  cleanup.run_for(state_->api.timeout());
}

std::size_t docker_runtime::log_streams() const {
  return state_->output ? state_->output->followed() : 0;
}

std::string docker_runtime::image_state(const std::string& image) const {
  return state_->board->get(image);
}

std::string docker_runtime::name() const {
  return "docker";
}

void docker_runtime::start(container_spec spec, start_handler on_started, exit_handler on_exit) {
  docker::pending_start next{std::move(spec), std::move(on_started), std::move(on_exit),
                             std::chrono::steady_clock::now(), std::nullopt};
  net::post(io_, [state = state_, next = std::move(next)]() mutable {
    docker::start_container(state, std::move(next));
  });
}

void docker_runtime::stop(const std::string& id, std::chrono::milliseconds grace) {
  net::post(io_, [state = state_, id, grace] { docker::stop_container(state, id, grace); });
}

void docker_runtime::list(list_handler on_list) {
  net::post(io_, [state = state_, on_list = std::move(on_list)] {
    std::vector<container_info> running;
    for (const auto& [id, c] : state->containers) {
      if (c.state == docker::phase::running) {
        running.push_back(container_info{id, c.target, {}});
      }
    }
    on_list(std::move(running));
  });
}

void docker_runtime::reconcile(std::vector<reconcile_entry> wanted, reconcile_handler on_done) {
  net::post(io_, [state = state_, wanted = std::move(wanted),
                  on_done = std::move(on_done)]() mutable {
    docker::reconcile_containers(state, std::move(wanted), std::move(on_done));
  });
}

void docker_runtime::watch_availability(available_handler on_available) {
  net::post(io_, [state = state_, on_available = std::move(on_available)]() mutable {
    state->on_available = std::move(on_available);
  });
}

void docker_runtime::adopt(const container_info& container, exit_handler on_exit) {
  net::post(io_, [state = state_, container, on_exit = std::move(on_exit)]() mutable {
    docker::adopt_container(*state, container, std::move(on_exit));
  });
}

bool docker_runtime::can_pause() const {
  return true;
}

bool docker_runtime::can_prepare() const {
  return true;
}

void docker_runtime::prepare(container_spec spec, int ahead, prepare_handler on_done) {
  net::post(io_, [state = state_, spec = std::move(spec), ahead,
                  on_done = std::move(on_done)]() mutable {
    docker::prepare_containers(state, std::move(spec), ahead, std::move(on_done));
  });
}

void docker_runtime::discard_prepared(const std::string& model) {
  net::post(io_, [state = state_, model] { docker::discard_prepared(state, model); });
}

void docker_runtime::pause(const std::string& id, pause_handler on_done) {
  net::post(io_, [state = state_, id, on_done = std::move(on_done)]() mutable {
    docker::pause_container(state, id, true, std::move(on_done));
  });
}

void docker_runtime::resume(const std::string& id, pause_handler on_done) {
  net::post(io_, [state = state_, id, on_done = std::move(on_done)]() mutable {
    docker::pause_container(state, id, false, std::move(on_done));
  });
}

} // namespace janus
