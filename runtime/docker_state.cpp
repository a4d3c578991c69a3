#include "runtime/docker_state.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <cstdio>
#include <random>

#include "logging/event.hpp"

namespace janus::docker {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;

std::string random_token() {
  std::random_device random;
  char text[9];
  std::snprintf(text, sizeof(text), "%08x", random());
  return text;
}

net::awaitable<void> remove_and_forget(std::shared_ptr<docker_state> state, std::string id) {
  co_await remove_container(state->api, id);
  state->forget(id);
}

} // namespace

docker_state::docker_state(net::io_context& io, docker_config cfg,
                           std::shared_ptr<netns_factory> sockets)
  : io(io), cfg(std::move(cfg)), api(this->cfg.socket, this->cfg.call_timeout),
    sockets(std::move(sockets)), token(random_token()) {
}

void docker_state::forget(const std::string& id) {
  auto it = containers.find(id);
  if (it == containers.end()) {
    return;
  }
  if (it->second.ns) {
    it->second.ns->close();
  }
  containers.erase(it);
}

void docker_state::report_death(const std::string& id) {
  auto& c = containers.at(id);
  c.state = phase::removing;
  container_exit exit{id, c.exit_code, c.description};
  auto handler = std::move(c.on_exit);
  net::co_spawn(io, remove_and_forget(shared_from_this(), id), net::detached);
  if (handler) {
    handler(std::move(exit));
  }
}

std::vector<std::string> docker_state::leftovers() {
  std::vector<std::string> out;
  for (auto& [id, c] : containers) {
    out.push_back(id);
    if (c.ns) {
      c.ns->close();
    }
  }
  out.insert(out.end(), creating.begin(), creating.end());
  return out;
}

result<endpoint> endpoint_of(docker_state& state, const container_state& inspected,
                             network_mode network) {
  if (network == network_mode::bridge) {
    if (!inspected.host_port) {
      return error_info{errc::no_capacity, "publishes no port on 127.0.0.1"};
    }
    return endpoint{"127.0.0.1", *inspected.host_port};
  }
  if (!state.sockets) {
    return error_info{errc::no_capacity, "is isolated, and this runtime has no socket factory"};
  }
  if (!inspected.pid) {
    return error_info{errc::no_capacity, "has no process"};
  }
  auto opened = state.sockets->open(*inspected.pid);
  if (!opened) {
    return opened.error();
  }
  opened.value()->fill_spares();
  return endpoint{"127.0.0.1", container_port, std::move(opened.value())};
}

net::awaitable<bool> remove_container(client api, std::string id) {
  auto path = "/containers/" + id + "?force=true";
  std::string_view no_body;
  auto answer = co_await api.call(http::verb::delete_, path, no_body);
  if (answer.status == 204 || answer.status == 404) {
    co_return true;
  }
  if (answer.status == 409 && answer.message().find("already in progress") != std::string::npos) {
    co_return true;
  }
  logging::event{"docker: cannot remove container"}
    .field("container", id)
    .field("error", answer.message())
    .warn();
  co_return false;
}

} // namespace janus::docker
