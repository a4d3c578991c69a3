#include "runtime/docker_starts.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cmath>
#include <optional>

#include "logging/event.hpp"
#include "runtime/docker_api.hpp"
#include "runtime/docker_events.hpp"
#include "runtime/docker_images.hpp"
#include "runtime/docker_prepared.hpp"

namespace janus::docker {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using std::chrono::milliseconds;
using clock = std::chrono::steady_clock;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

/// Pause between two inspects while the daemon has not published the host port yet.
constexpr milliseconds port_poll{25};

void launch_starts(const std::shared_ptr<docker_state>& state);

/// Inspects until the container can be reached: a bridged one once the daemon has published its
/// host port (it may not have right after the start), an isolated one once it has a process,
/// within the call timeout. An error says what went wrong, to follow "container X".
net::awaitable<result<container_state>> inspect_until_reachable(
  std::shared_ptr<docker_state> state, std::string id, network_mode network) {
  std::string_view no_body;
  auto path = "/containers/" + id + "/json";
  auto deadline = clock::now() + state->api.timeout();
  auto executor = co_await net::this_coro::executor;
  net::steady_timer pause{executor};
  while (true) {
    auto& c = state->containers.at(id);
    if (c.died) {
      error_info died{errc::no_capacity, c.description + " right after its start"};
      co_return died;
    }
    auto answer = co_await state->api.call(http::verb::get, path, no_body);
    if (answer.status != 200) {
      error_info failed{errc::no_capacity, "cannot be inspected: " + answer.message()};
      co_return failed;
    }
    auto inspected = parse_inspect(answer.body);
    if (!inspected) {
      co_return inspected.error();
    }
    if (!inspected.value().running) {
      error_info died{errc::no_capacity,
                      exit_description(inspected.value().exit_code, inspected.value().oom_killed)
                        + " right after its start"};
      co_return died;
    }
    bool reachable = network == network_mode::bridge ? inspected.value().host_port.has_value()
                                                     : inspected.value().pid.has_value();
    if (reachable) {
      co_return inspected;
    }
    if (clock::now() >= deadline) {
      error_info late{errc::no_capacity,
                      (network == network_mode::bridge
                         ? std::string{"has no host port for 8080/tcp on 127.0.0.1"}
                         : std::string{"has no process"})
                        + " after " + std::to_string(state->api.timeout().count()) + " ms"};
      co_return late;
    }
    pause.expires_after(port_poll);
    co_await pause.async_wait(nothrow);
  }
}

/// What an isolated container of `image` runs: from the cache, or read from the engine (then
/// the second member is true, for the `image` phase).
net::awaitable<std::pair<result<image_config>, bool>> image_config_of(
  std::shared_ptr<docker_state> state, container_spec spec) {
  if (auto cached = state->images.find(spec.image); cached != state->images.end()) {
    co_return std::pair<result<image_config>, bool>{cached->second, false};
  }
  co_return std::pair<result<image_config>, bool>{co_await read_image_config(state, spec), true};
}

net::awaitable<void> run_start(std::shared_ptr<docker_state> state, pending_start next) {
  auto& spec = next.spec;
  std::string_view no_body;
  std::vector<start_phase> phases;
  auto mark = next.asked;
  // Closes the phase that began at `mark`: the first one, `wait` (for a start slot), at start().
  auto timed = [&phases, &mark](const char* name) {
    auto now = clock::now();
    phases.push_back(
      start_phase{name, std::chrono::duration_cast<std::chrono::microseconds>(now - mark)});
    mark = now;
  };
  if (next.image_took) {
    phases.push_back(start_phase{"pull", *next.image_took});
    mark = next.asked + *next.image_took;
  }
  timed("wait");
  bool isolated = spec.network == network_mode::isolated;
  if (isolated && (!state->isolation.sockets || !state->isolation.platform)) {
    error_info failure{errc::no_capacity, "an isolated container of image " + spec.image
                                            + " needs the socket factory and the platform "
                                              "server, and this runtime has neither"};
    next.on_started(std::move(failure));
    co_return;
  }
  // A prepared container of the model when there is one that runs what `spec` runs (its create
  // was done ahead: no `create` phase, a `prepared` marker); else one created now. One whose
  // start finds it gone (removed by hand) gives way to a new one, once.
  std::optional<created_container> made;
  std::optional<api_response> started;
  std::string id;
  for (int attempt = 0; attempt < 2 && !started; ++attempt) {
    std::optional<taken_prepared> taken;
    if (attempt == 0) {
      taken = co_await take_prepared(state, spec);
    }
    if (taken) {
      made = std::move(taken->container);
      for (auto& step : taken->phases) {
        phases.push_back(std::move(step));
      }
    } else {
      auto created = co_await create_container(state, spec);
      if (!created) {
        next.on_started(created.error());
        co_return;
      }
      made = std::move(created.value());
      for (auto& step : made->phases) {
        phases.push_back(std::move(step));
      }
    }
    mark = clock::now();
    id = made->id;
    tracked entry;
    entry.model = spec.model;
    entry.name = made->name;
    entry.seq = made->seq;
    entry.on_exit = next.on_exit;
    state->containers.emplace(id, std::move(entry));

    auto start_path = "/containers/" + id + "/start";
    auto answer = co_await state->api.call(http::verb::post, start_path, no_body);
    if (answer.status == 404 && taken) {
      logging::event{"docker: prepared container is gone; creating a new one"}
        .field("model", spec.model)
        .field("container", id)
        .field("name", made->name)
        .info();
      state->forget(id);
      continue;
    }
    started = std::move(answer);
  }
  timed("run");
  const auto& name = made->name;
  const auto& how = made->how;
  if (started->status == 0) {
    note_engine_trouble(state);
  }
  std::string problem;
  if (started->status != 204 && started->status != 304) {
    problem = "cannot start container " + id + " of image " + spec.image + ": "
              + started->message();
  } else {
    // From its first line: what a container says while it fails to become reachable (or
    // after) is in janusd's log too. forget() closes the stream on every path below.
    state->follow_output(id, spec.model);
  }
  std::optional<endpoint> target;
  if (problem.empty()) {
    auto found = co_await inspect_until_reachable(state, id, spec.network);
    timed(isolated ? "inspect" : "port");
    if (found && isolated) {
      auto cached = state->images.find(spec.image);
      if (cached != state->images.end() && cached->second.id != found.value().image_id) {
        // Rebuilt since it was read: the next start reads its entrypoint again.
        state->images.erase(cached);
      }
    }
    auto reached = found ? endpoint_of(*state, found.value(), spec.network)
                         : result<endpoint>{found.error()};
    if (reached && isolated) {
      auto ns = std::static_pointer_cast<netns>(reached.value().ns);
      state->containers.at(id).ns = ns;
      platform_owner owner{spec.model, name, id};
      auto refused = co_await open_platform_endpoint(state, ns, owner, how.env);
      if (refused) {
        reached = *refused;
      }
      timed("netns");
    }
    if (reached) {
      target = std::move(reached.value());
    } else {
      problem = "container " + id + " of image " + spec.image + " " + reached.error().message;
    }
  }
  if (!target) {
    // A prepared one too: removed, and the next start creates afresh (or takes another).
    co_await remove_container(state->api, id);
    state->forget(id);
    error_info failure{errc::no_capacity, std::move(problem)};
    next.on_started(std::move(failure));
    co_return;
  }
  auto& c = state->containers.at(id);
  c.state = phase::running;
  c.target = *target;
  logging::event{"docker: container running"}
    .field("model", spec.model)
    .field("container", id)
    .field("name", name)
    .field("network", to_string(spec.network))
    .field("port", c.target.port)
    .debug();
  container_info info{id, c.target, std::move(phases)};
  next.on_started(std::move(info));
  if (c.died) {
    state->report_death(id);
  }
}

void launch_starts(const std::shared_ptr<docker_state>& state) {
  while (state->starts_running < state->cfg.max_parallel_starts && !state->queue.empty()) {
    auto next = std::move(state->queue.front());
    state->queue.pop_front();
    ++state->starts_running;
    net::co_spawn(state->io, run_start(state, std::move(next)),
                  [state](std::exception_ptr error) {
                    if (error) {
                      try {
                        std::rethrow_exception(error);
                      } catch (const std::exception& e) {
                        logging::event{"docker: container start failed unexpectedly"}
                          .field("error", e.what())
                          .error();
                      }
                    }
                    --state->starts_running;
                    launch_starts(state);
                  });
  }
}

net::awaitable<void> run_pause(std::shared_ptr<docker_state> state, std::string id, bool pause,
                               runtime::pause_handler on_done) {
  std::string_view no_body;
  auto path = "/containers/" + id + (pause ? "/pause" : "/unpause");
  auto answer = co_await state->api.call(http::verb::post, path, no_body);
  if (answer.status == 0) {
    note_engine_trouble(state);
  }
  if (answer.status != 204) {
    error_info failed{errc::no_capacity, std::string{"cannot "} + (pause ? "pause" : "unpause")
                                           + " container " + id + ": " + answer.message()};
    on_done(std::move(failed));
    co_return;
  }
  on_done(std::nullopt);
}

net::awaitable<void> run_stop(std::shared_ptr<docker_state> state, std::string id,
                              milliseconds grace) {
  std::string_view no_body;
  // A paused container needs nothing more: dockerd (20.10) sends the stop signal and thaws it,
  // so it ends within its grace as a running one (docs/pool.md).
  auto seconds = static_cast<long>(std::ceil(static_cast<double>(grace.count()) / 1000.0));
  auto stop_path = "/containers/" + id + "/stop?t=" + std::to_string(seconds);
  auto stopped = co_await state->api.call(http::verb::post, stop_path, no_body,
                                          grace + state->api.timeout());
  if (stopped.status != 204 && stopped.status != 304 && stopped.status != 404) {
    logging::event{"docker: stop failed; killing the container"}
      .field("container", id)
      .field("error", stopped.message())
      .warn();
    auto kill_path = "/containers/" + id + "/kill";
    auto killed = co_await state->api.call(http::verb::post, kill_path, no_body);
    if (killed.status != 204 && killed.status != 409 && killed.status != 404) {
      logging::event{"docker: kill failed"}
        .field("container", id)
        .field("error", killed.message())
        .warn();
    }
  }
  if (!state->containers.at(id).died) {
    // The die event may still be on its way: the exit status comes from inspect then.
    auto inspect_path = "/containers/" + id + "/json";
    auto answer = co_await state->api.call(http::verb::get, inspect_path, no_body);
    auto& c = state->containers.at(id);
    if (!c.died) {
      c.description = "stopped";
      if (answer.status == 200) {
        auto inspected = parse_inspect(answer.body);
        if (inspected && !inspected.value().running) {
          c.exit_code = inspected.value().exit_code;
          c.description = exit_description(inspected.value().exit_code,
                                           inspected.value().oom_killed || c.oom);
        }
      }
    }
  }
  co_await remove_container(state->api, id);
  auto it = state->containers.find(id);
  if (it == state->containers.end()) {
    co_return;
  }
  auto& c = it->second;
  container_exit exit{id, c.exit_code, c.description};
  // Killed (SIGKILL, or OOM) before our stop's grace ran out: not by our stop, which kills
  // only after the grace.
  exit.on_its_own = c.died
                    && (c.oom || (c.exit_code == 137 && c.died_at - c.stop_asked < c.grace));
  auto handler = std::move(c.on_exit);
  state->forget(id);
  if (handler) {
    handler(std::move(exit));
  }
}

} // namespace

net::awaitable<result<created_container>> create_container(std::shared_ptr<docker_state> state,
                                                           container_spec spec) {
  std::vector<start_phase> phases;
  auto mark = clock::now();
  auto timed = [&phases, &mark](const char* name) {
    auto now = clock::now();
    phases.push_back(
      start_phase{name, std::chrono::duration_cast<std::chrono::microseconds>(now - mark)});
    mark = now;
  };
  auto seq = state->next_seq++;
  auto name = container_name(state->cfg.engine_id, spec.model, state->token, seq);
  const auto& isolation = state->isolation;
  launch how;
  if (spec.network == network_mode::isolated) {
    if (!isolation.sockets || !isolation.platform) {
      error_info failure{errc::no_capacity, "an isolated container of image " + spec.image
                                              + " needs the socket factory and the platform "
                                                "server, and this runtime has neither"};
      co_return failure;
    }
    auto image = co_await image_config_of(state, spec);
    if (image.second) {
      timed("image");
    }
    auto program = image.first ? program_of(spec, image.first.value())
                               : result<std::vector<std::string>>{image.first.error()};
    if (!program) {
      co_return program.error();
    }
    how.program = std::move(program.value());
    platform_owner owner{spec.model, name, {}};
    how.env = isolation.platform->prepare(owner, isolation.options.platform_port);
  }
  // Whatever prepare() kept for the container is forgotten on every failed path below.
  auto forget_name = [&state, &name] {
    if (state->isolation.platform) {
      state->isolation.platform->close(name);
    }
  };
  auto body = create_body(spec, isolation.options, how);
  auto create_path = "/containers/create?name=" + name;
  state->creating.insert(name);
  auto created = co_await state->api.call(http::verb::post, create_path, body);
  timed("create");
  state->creating.erase(name);
  if (created.status == 0) {
    note_engine_trouble(state);
  }
  if (created.status == 404) {
    forget_name();
    // Gone since it was read: the next start looks for it (and pulls it) again.
    state->images.erase(spec.image);
    error_info failure{errc::no_capacity, missing_image(spec, created.message())};
    co_return failure;
  }
  if (created.status != 201) {
    if (created.status == 0 && created.sent) {
      // No answer, but the daemon may have created it: it must not stay behind.
      co_await remove_container(state->api, name);
    }
    forget_name();
    error_info failure{errc::no_capacity, "cannot create a container of image " + spec.image
                                            + ": " + created.message()};
    co_return failure;
  }
  auto full_id = parse_created(created.body);
  if (!full_id) {
    // Created under a name we know: remove it by name.
    co_await remove_container(state->api, name);
    forget_name();
    co_return full_id.error();
  }
  created_container out{short_id(full_id.value()), name, seq, std::move(how), std::move(phases)};
  co_return out;
}

void start_container(const std::shared_ptr<docker_state>& state, pending_start next) {
  if (next.spec.pull == pull_policy::never) {
    state->queue.push_back(std::move(next));
    launch_starts(state);
    return;
  }
  // The image first, without a start slot: a long pull holds up no other model's starts.
  auto spec = next.spec;
  auto waiting = std::make_shared<pending_start>(std::move(next));
  ensure_image(state, spec, [state, waiting](std::optional<error_info> failure) {
    auto& start = *waiting;
    if (failure) {
      start.on_started(std::move(*failure));
      return;
    }
    start.image_took = std::chrono::duration_cast<std::chrono::microseconds>(clock::now()
                                                                             - start.asked);
    state->queue.push_back(std::move(start));
    launch_starts(state);
  });
}

void stop_container(const std::shared_ptr<docker_state>& state, const std::string& id,
                    milliseconds grace) {
  auto it = state->containers.find(id);
  if (it == state->containers.end() || it->second.state != phase::running) {
    return;
  }
  it->second.state = phase::stopping;
  it->second.stop_asked = clock::now();
  it->second.grace = grace;
  net::co_spawn(state->io, run_stop(state, id, grace), net::detached);
}

void pause_container(const std::shared_ptr<docker_state>& state, const std::string& id, bool pause,
                     runtime::pause_handler on_done) {
  auto it = state->containers.find(id);
  if (it == state->containers.end() || it->second.state != phase::running || it->second.died) {
    on_done(error_info{errc::no_capacity, "container " + id + " is not running"});
    return;
  }
  net::co_spawn(state->io, run_pause(state, id, pause, std::move(on_done)), net::detached);
}

} // namespace janus::docker
