#include "runtime/docker_reconcile.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <cstdio>

#include "logging/event.hpp"
#include "runtime/docker_events.hpp"

namespace janus::docker {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;

/// The network of `model`'s containers (the model is one of `wanted`).
network_mode network_of(const std::vector<reconcile_entry>& wanted, const std::string& model) {
  for (const auto& entry : wanted) {
    if (entry.spec.model == model) {
      return entry.spec.network;
    }
  }
  return network_mode::isolated;
}

/// "1.41" < "1.43": compares dotted version numbers.
bool version_below(const std::string& version, int major, int minor) {
  int got_major = 0;
  int got_minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &got_major, &got_minor) != 2) {
    return false;
  }
  return got_major < major || (got_major == major && got_minor < minor);
}

net::awaitable<void> run_reconcile(std::shared_ptr<docker_state> state,
                                   std::vector<reconcile_entry> wanted,
                                   runtime::reconcile_handler on_done) {
  std::string_view no_body;
  auto& api = state->api;
  const auto& cfg = state->cfg;
  std::string ping_path = "/_ping";
  auto ping = co_await api.call(http::verb::get, ping_path, no_body);
  if (ping.status != 200) {
    error_info failure{errc::internal,
                       ping.message() + " (start dockerd, or set docker.socket to its socket)"};
    on_done(std::move(failure));
    co_return;
  }
  if (version_below(ping.api_version, 1, 41)) {
    error_info failure{errc::internal, "the Docker engine at " + cfg.socket + " speaks API "
                                         + ping.api_version
                                         + "; janusd needs 1.41 or newer (Docker 20.10)"};
    on_done(std::move(failure));
    co_return;
  }
  logging::event{"docker: engine answers"}
    .field("server", ping.server)
    .field("socket", cfg.socket)
    .field("api_version", ping.api_version)
    .field("engine_id", cfg.engine_id)
    .info();

  // Every runtime_class a model names must be one the engine knows.
  bool names_runtime = std::any_of(wanted.begin(), wanted.end(), [](const reconcile_entry& e) {
    return !e.spec.runtime_class.empty();
  });
  if (names_runtime) {
    std::string info_path = "/info";
    auto info = co_await api.call(http::verb::get, info_path, no_body);
    auto runtimes = info.status == 200
                      ? parse_runtimes(info.body)
                      : result<std::vector<std::string>>{error_info{errc::internal,
                                                                    info.message()}};
    if (!runtimes) {
      error_info failure{errc::internal, "cannot learn the Docker engine's runtimes: "
                                           + runtimes.error().message};
      on_done(std::move(failure));
      co_return;
    }
    if (auto unknown = unknown_runtime(wanted, runtimes.value())) {
      on_done(std::move(*unknown));
      co_return;
    }
  }

  // Events first, so that nothing that happens after the list goes unnoticed.
  auto executor = co_await net::this_coro::executor;
  auto stream = std::make_shared<response_stream>(executor);
  auto stream_path = events_path(cfg.engine_id, 0);
  auto opened = co_await stream->open(api, stream_path);
  if (opened.status != 200) {
    error_info failure{errc::internal,
                       "cannot watch the Docker engine's events: " + opened.message()};
    on_done(std::move(failure));
    co_return;
  }
  net::co_spawn(state->io, watch_events(state, std::move(stream)), net::detached);

  // The id of each model's image as the engine has it now.
  std::map<std::string, std::string> image_ids;
  for (const auto& entry : wanted) {
    auto image_path = "/images/" + entry.spec.image + "/json";
    auto image = co_await api.call(http::verb::get, image_path, no_body);
    auto id = image.status == 200
                ? parse_image_id(image.body)
                : result<std::string>{error_info{errc::internal, image.message()}};
    if (id) {
      image_ids[entry.spec.model] = id.value();
    } else if (image.status == 404) {
      logging::event{"docker: image not in the Docker engine; its containers cannot start "
                     "until it is built or pulled"}
        .field("model", entry.spec.model)
        .field("image", entry.spec.image)
        .warn();
    } else {
      logging::event{"docker: cannot inspect image"}
        .field("model", entry.spec.model)
        .field("image", entry.spec.image)
        .field("error", id.error().message)
        .warn();
    }
  }

  auto listing_path = list_path(cfg.engine_id);
  auto answer = co_await api.call(http::verb::get, listing_path, no_body);
  auto listed = answer.status == 200
                  ? parse_list(answer.body)
                  : result<std::vector<container_state>>{error_info{errc::internal,
                                                                    answer.message()}};
  if (!listed) {
    error_info failure{errc::internal, "cannot list the containers of engine " + cfg.engine_id
                                         + ": " + listed.error().message};
    on_done(std::move(failure));
    co_return;
  }

  std::vector<adoptable_container> adoptable;
  std::map<std::string, int> adopted_per_model;
  struct removal {
    std::string id;
    std::string name;
    std::string reason;
  };
  std::vector<removal> removals;
  for (const auto& c : listed.value()) {
    auto id = short_id(c.id);
    auto reason = why_not_adoptable(c, wanted, state->isolation.options, image_ids,
                                    adopted_per_model);
    if (!reason.empty()) {
      removals.push_back(removal{id, c.name, std::move(reason)});
      continue;
    }
    const auto& model = c.labels.at(std::string{model_label});
    auto network = network_of(wanted, model);
    // An isolated container's namespace is found again from its process, which only inspect
    // tells.
    auto now = c;
    if (network == network_mode::isolated) {
      auto inspect_path = "/containers/" + id + "/json";
      auto inspected = co_await api.call(http::verb::get, inspect_path, no_body);
      auto parsed = inspected.status == 200
                      ? parse_inspect(inspected.body)
                      : result<container_state>{error_info{errc::internal, inspected.message()}};
      if (!parsed || !parsed.value().running) {
        auto why = parsed ? std::string{"it is not running any more"}
                          : "it cannot be inspected: " + parsed.error().message;
        removals.push_back(removal{id, c.name, std::move(why)});
        continue;
      }
      now = std::move(parsed.value());
    }
    auto reached = endpoint_of(*state, now, network);
    if (reached && network == network_mode::isolated) {
      // Its endpoint went with the run that made it: a new one on the same port.
      auto ns = std::static_pointer_cast<netns>(reached.value().ns);
      platform_owner owner{model, c.name, id};
      auto refused = co_await open_platform_endpoint(state, ns, owner, now.env);
      if (refused) {
        ns->close();
        reached = *refused;
      }
    }
    if (!reached) {
      removals.push_back(removal{id, c.name, "it " + reached.error().message});
      continue;
    }
    ++adopted_per_model[model];
    tracked entry;
    entry.model = model;
    entry.name = c.name;
    entry.state = phase::offered;
    entry.target = reached.value();
    entry.ns = std::static_pointer_cast<netns>(entry.target.ns);
    entry.seq = state->next_seq++;
    state->containers.emplace(id, std::move(entry));
    logging::event{"docker: container of an earlier run can be adopted"}
      .field("model", model)
      .field("container", id)
      .field("name", c.name)
      .field("network", to_string(network))
      .field("port", reached.value().port)
      .debug();
    container_info offered{id, state->containers.at(id).target, {}};
    adoptable.push_back(adoptable_container{model, std::move(offered)});
  }
  for (const auto& stale : removals) {
    logging::event{"docker: removing container of an earlier run"}
      .field("container", stale.id)
      .field("name", stale.name)
      .field("reason", stale.reason)
      .info();
    co_await remove_container(api, stale.id);
  }
  on_done(std::move(adoptable));
}

} // namespace

void reconcile_containers(const std::shared_ptr<docker_state>& state,
                          std::vector<reconcile_entry> wanted,
                          runtime::reconcile_handler on_done) {
  net::co_spawn(state->io, run_reconcile(state, std::move(wanted), std::move(on_done)),
                net::detached);
}

std::optional<error_info> unknown_runtime(const std::vector<reconcile_entry>& wanted,
                                          const std::vector<std::string>& known) {
  for (const auto& entry : wanted) {
    const auto& wants = entry.spec.runtime_class;
    if (wants.empty() || std::find(known.begin(), known.end(), wants) != known.end()) {
      continue;
    }
    std::string list;
    for (const auto& name : known) {
      list.append(list.empty() ? "" : ", ").append(name);
    }
    return error_info{errc::invalid_config,
                      "models." + entry.spec.model + ".runtime_class: the Docker engine does not "
                        "know the runtime \"" + wants + "\" (it knows " + list
                        + "; install it and add it to dockerd's \"runtimes\", or remove the key)"};
  }
  return std::nullopt;
}

void adopt_container(docker_state& state, const container_info& container,
                     runtime::exit_handler on_exit) {
  auto it = state.containers.find(container.id);
  if (it == state.containers.end() || it->second.state != phase::offered) {
    container_exit gone{container.id, -1, "not found in the Docker engine"};
    on_exit(std::move(gone));
    return;
  }
  it->second.state = phase::running;
  it->second.on_exit = std::move(on_exit);
  if (it->second.died) {
    state.report_death(container.id);
  }
}

std::string why_not_adoptable(const container_state& c, const std::vector<reconcile_entry>& wanted,
                              const create_options& options,
                              const std::map<std::string, std::string>& image_ids,
                              const std::map<std::string, int>& adopted_per_model) {
  auto model_entry = c.labels.find(std::string{model_label});
  if (model_entry == c.labels.end()) {
    return "it has no model label";
  }
  const auto& model = model_entry->second;
  auto entry = std::find_if(wanted.begin(), wanted.end(), [&model](const reconcile_entry& e) {
    return e.spec.model == model;
  });
  if (entry == wanted.end()) {
    return "model " + model + " is not configured any more";
  }
  if (!c.running) {
    return "it is not running (" + (c.status.empty() ? std::string{"unknown state"} : c.status)
           + ")";
  }
  auto generation = c.labels.find(std::string{generation_label});
  if (generation == c.labels.end() || generation->second != generation_of(entry->spec, options)) {
    return "the model's configuration changed";
  }
  auto image = image_ids.find(model);
  if (image == image_ids.end() || image->second != c.image_id) {
    return "it does not run the current image " + entry->spec.image;
  }
  if (c.health == "unhealthy") {
    return "it is unhealthy";
  }
  if (entry->spec.network == network_mode::bridge && !c.host_port) {
    return "it publishes no port on 127.0.0.1";
  }
  if (entry->spec.network == network_mode::isolated && c.network_mode != "none") {
    return "it is not isolated (network mode " + c.network_mode + ")";
  }
  auto adopted = adopted_per_model.find(model);
  if (adopted != adopted_per_model.end() && adopted->second >= entry->max_adopt) {
    return "model " + model + " has enough containers already";
  }
  return {};
}

} // namespace janus::docker
