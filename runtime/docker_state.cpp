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
  state->containers.erase(id);
}

} // namespace

docker_state::docker_state(net::io_context& io, docker_config cfg)
  : io(io), cfg(std::move(cfg)), api(this->cfg.socket, this->cfg.call_timeout),
    token(random_token()) {
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

std::vector<std::string> docker_state::leftovers() const {
  std::vector<std::string> out;
  for (const auto& [id, c] : containers) {
    out.push_back(id);
  }
  out.insert(out.end(), creating.begin(), creating.end());
  return out;
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
