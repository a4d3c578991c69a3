#include "runtime/docker_state.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <random>

#include "logging/event.hpp"

namespace janus::docker {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;

/// Connections waiting for the platform server's accept on one endpoint.
constexpr int platform_backlog = 128;

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

docker_state::docker_state(net::io_context& io, docker_config cfg, docker_isolation isolation,
                           container_logs* container_output)
  : io(io), cfg(std::move(cfg)), api(this->cfg.socket, this->cfg.call_timeout),
    isolation(std::move(isolation)), token(random_token()) {
  if (container_output != nullptr) {
    output = std::make_unique<docker_logs>(io.get_executor(), api, *container_output);
  }
}

void docker_state::follow_output(const std::string& id, const std::string& model,
                                 std::int64_t since_ns) {
  if (output) {
    output->follow(id, model, since_ns);
  }
}

void docker_state::forget(const std::string& id) {
  auto it = containers.find(id);
  if (it == containers.end()) {
    return;
  }
  if (it->second.ns) {
    it->second.ns->close();
  }
  if (isolation.platform) {
    isolation.platform->close(it->second.name);
  }
  if (output) {
    output->forget(id);
  }
  containers.erase(it);
}

void docker_state::report_death(const std::string& id) {
  auto& c = containers.at(id);
  c.state = phase::removing;
  container_exit exit{id, c.exit_code, c.description};
  exit.on_its_own = true;
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
    if (isolation.platform) {
      isolation.platform->close(c.name);
    }
  }
  for (auto& [model, list] : prepared) {
    for (const auto& c : list) {
      out.push_back(c.id);
      if (isolation.platform) {
        isolation.platform->close(c.name);
      }
    }
  }
  prepared.clear();
  for (const auto& [id, name] : discarding) {
    out.push_back(id);
    if (isolation.platform) {
      isolation.platform->close(name);
    }
  }
  out.insert(out.end(), creating.begin(), creating.end());
  if (output) {
    output->forget_all();
  }
  return out;
}

bool docker_state::owns(const std::string& id, const std::string& name) const {
  if (containers.contains(id) || creating.contains(name) || discarding.contains(id)) {
    return true;
  }
  for (const auto& [model, list] : prepared) {
    for (const auto& c : list) {
      if (c.id == id) {
        return true;
      }
    }
  }
  return false;
}

result<endpoint> endpoint_of(docker_state& state, const container_state& inspected,
                             network_mode network) {
  if (network == network_mode::bridge) {
    if (!inspected.host_port) {
      return error_info{errc::no_capacity, "publishes no port on 127.0.0.1"};
    }
    return endpoint{"127.0.0.1", *inspected.host_port};
  }
  if (!state.isolation.sockets) {
    return error_info{errc::no_capacity, "is isolated, and this runtime has no socket factory"};
  }
  if (!inspected.pid) {
    return error_info{errc::no_capacity, "has no process"};
  }
  auto opened = state.isolation.sockets->open(*inspected.pid);
  if (!opened) {
    return opened.error();
  }
  opened.value()->fill_spares();
  return endpoint{"127.0.0.1", container_port, std::move(opened.value())};
}

net::awaitable<std::optional<error_info>> open_platform_endpoint(
  std::shared_ptr<docker_state> state, std::shared_ptr<netns> ns, platform_owner owner,
  std::map<std::string, std::string> env) {
  if (!state->isolation.platform) {
    error_info missing{errc::no_capacity, "is isolated, and this runtime has no platform server"};
    co_return missing;
  }
  auto port = state->isolation.options.platform_port;
  // The factory answers on its own thread: the answer is posted back to this coroutine's.
  auto listen = [ns, port](auto handler) {
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    ns->make_listener(port, platform_backlog, [shared](result<int> made) {
      auto executor = net::get_associated_executor(*shared);
      net::post(executor, [shared, made = std::move(made)]() mutable {
        (*shared)(std::move(made));
      });
    });
  };
  auto pending = net::async_initiate<decltype(net::use_awaitable), void(result<int>)>(
    std::move(listen), net::use_awaitable);
  auto made = co_await std::move(pending);
  if (!made) {
    co_return made.error();
  }
  co_return state->isolation.platform->serve(owner, env, made.value());
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
