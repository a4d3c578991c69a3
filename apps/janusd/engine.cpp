#include "apps/janusd/engine.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <random>
#include <stdexcept>

#include "actors/facade.hpp"
#include "actors/health_checker.hpp"
#include "actors/pool.hpp"
#include "actors/router.hpp"
#include "http/health_probe.hpp"
#include "logging/event.hpp"
#include "apps/janusd/metrics_page.hpp"
#include "apps/janusd/docker_isolation.hpp"
#include "runtime/docker_runtime.hpp"
#include "runtime/container_logs.hpp"
#include "runtime/process_runtime.hpp"
#include "runtime/service_notify.hpp"

namespace janus {

namespace {

std::string new_instance_id() {
  std::random_device random;
  char text[17];
  std::snprintf(text, sizeof(text), "%08x%08x", random(), random());
  return text;
}

/// The container contract's variables that are the same for every container. The endpoint's
/// own (JANUS_PLATFORM_URL, JANUS_LLM_API_KEY, JANUS_SEARCH_URL, JANUS_MEMORY_URL) are set by
/// the runtime when it opens the container's endpoint; they are empty until a runtime does.
std::map<std::string, std::string> platform_env(const platform_config& platform) {
  return {
    {"JANUS_PLATFORM_URL", ""},
    {"JANUS_LLM_API_KEY", ""},
    {"JANUS_MEMORY_URL", ""},
    {"JANUS_SEARCH_URL", ""},
    {"JANUS_LOG_LEVEL", platform.log_level},
    {"JANUS_TIMEOUT",
     std::to_string(std::chrono::duration_cast<std::chrono::seconds>(platform.timeout).count())},
  };
}

/// The longest stop_grace of all models: how long stopping every container may take.
std::chrono::milliseconds longest_grace(const config& cfg) {
  std::chrono::milliseconds longest{0};
  for (const auto& model : cfg.models) {
    longest = std::max(longest, std::chrono::milliseconds{model.stop_grace});
  }
  return longest;
}

/// Lets the runtime adopt or remove what earlier runs of this engine left, and waits until it
/// has (every runtime call has its own timeout). Throws when the runtime cannot work, e.g. when
/// no Docker engine answers.
std::map<std::string, std::vector<container_info>> reconcile_containers(
  runtime& containers, const config& cfg, const actors::pool_deps& deps) {
  std::vector<reconcile_entry> wanted;
  for (const auto& model : cfg.models) {
    wanted.push_back(reconcile_entry{actors::container_spec_for(model, deps), model.max_containers});
  }
  auto done = std::make_shared<std::promise<result<std::vector<adoptable_container>>>>();
  auto answer = done->get_future();
  containers.reconcile(std::move(wanted), [done](result<std::vector<adoptable_container>> found) {
    done->set_value(std::move(found));
  });
  auto found = answer.get();
  if (!found) {
    if (found.error().code == errc::invalid_config) {
      throw config_error(found.error().message);
    }
    throw std::runtime_error(found.error().message);
  }
  std::map<std::string, std::vector<container_info>> by_model;
  for (auto& offered : found.value()) {
    by_model[offered.model].push_back(std::move(offered.container));
  }
  return by_model;
}

/// The names of janusd's variables that hold its secrets: never passed to a child, whatever
/// `process.inherit_env` allows (the admin token, the client API keys, the platform's real
/// credentials).
std::vector<std::string> secret_variables(const config& cfg) {
  std::vector<std::string> names;
  for (const auto* name : {&cfg.admin.token_env, &cfg.auth.api_keys_env}) {
    if (!name->empty()) {
      names.push_back(*name);
    }
  }
  for (const auto& route : cfg.platform.routes) {
    for (const auto& header : route.headers) {
      if (header.source.starts_with("env ")) {
        names.push_back(header.source.substr(4));
      }
    }
  }
  return names;
}

/// janus_container_log_lines_dropped_total{model}: counted from the runtime's threads, and a
/// removed model's series removed (under one lock, so no count goes to a removed series).
class dropped_lines {
public:
  explicit dropped_lines(prometheus::Family<prometheus::Counter>& family) : family_(family) {
  }

  void add(std::string_view model, std::uint64_t lines) {
    std::lock_guard lock{mutex_};
    family_.Add({{"model", std::string{model}}}).Increment(static_cast<double>(lines));
  }

  void remove(const std::string& model) {
    std::lock_guard lock{mutex_};
    family_.Remove(&family_.Add({{"model", model}}));
  }

private:
  std::mutex mutex_;
  prometheus::Family<prometheus::Counter>& family_;
};

} // namespace

engine::engine(config cfg)
  : cfg_(std::move(cfg)),
    instance_id_(new_instance_id()),
    runtime_work_(runtime_io_.get_executor()) {
  if (cfg_.admin.state_dir.empty()) {
    // Run-time changes last until janusd stops; a reload applies them on top of the file.
    registry_ = std::make_unique<model_registry_file>();
  } else {
    // What the admin API changed before the restart joins the config file's models first.
    registry_ = std::make_unique<model_registry_file>(cfg_.admin.state_dir,
                                                      cfg_.server.max_json_depth);
    auto changes = registry_->changes();
    for (const auto& note : apply_model_changes(cfg_, changes)) {
      logging::event{"model registry: an entry is left out"}
        .field("file", registry_->path())
        .field("reason", note)
        .warn();
    }
    logging::event{"model registry read"}
      .field("file", registry_->path())
      .field("added", changes.added.size())
      .field("removed", changes.removed.size())
      .field("scaled", changes.scaled.size())
      .info();
  }
  platform_ = std::make_unique<http::platform_server>(cfg_.platform, metrics_);
  container_log_limits log_limits;
  log_limits.lines_per_second = cfg_.log.container_lines_per_second;
  log_limits.burst = cfg_.log.container_burst;
  log_limits.max_line_bytes = cfg_.log.container_max_line_bytes;
  log_limits.ring_bytes = cfg_.log.container_ring_bytes;
  log_limits.keep_gone = static_cast<std::size_t>(cfg_.log.container_keep_gone);
  auto dropped = std::make_shared<dropped_lines>(metrics_.add_counter(
    "janus_container_log_lines_dropped_total",
    "Container output lines left out of janusd's log by the per-container rate limit."));
  container_logs_ = std::make_unique<container_logs>(
    log_limits, [dropped](std::string_view model, std::uint64_t lines) {
      dropped->add(model, lines);
    });
  auto& reloads = metrics_.add_counter(
    "janus_config_reloads_total",
    "Configuration reloads (SIGHUP), by result: ok (applied) or error (refused, nothing changed).");
  reloads_ok_ = &reloads.Add({{"result", "ok"}});
  reloads_failed_ = &reloads.Add({{"result", "error"}});
  last_reload_ok_ = &metrics_.add_gauge("janus_config_last_reload_successful",
                                        "1 when the last load of the configuration file (start "
                                        "or reload) was applied, 0 when it was refused.")
                       .Add({});
  last_reload_time_ = &metrics_.add_gauge("janus_config_last_reload_success_timestamp_seconds",
                                          "Unix time of the last load of the configuration file "
                                          "(start or reload) that was applied.")
                         .Add({});
  last_reload_ok_->Set(1);
  last_reload_time_->SetToCurrentTime();
  auto& log_streams = metrics_.add_gauge(
    "janus_container_log_streams",
    "Container output streams janusd follows now (docker: one Engine API log stream each).");
  log_streams_ = &log_streams.Add({});
  if (cfg_.runtime == "docker") {
    netns_ = std::make_shared<netns_factory>(cfg_.docker.spare_sockets);
    runtime_ = std::make_unique<docker_runtime>(runtime_io_, cfg_.docker,
                                                isolation_for(cfg_, netns_, *platform_),
                                                container_logs_.get());
  } else {
    runtime_ = std::make_unique<process_runtime>(runtime_io_, cfg_.process.inherit_env,
                                                 secret_variables(cfg_), platform_.get(),
                                                 container_logs_.get());
  }
  if (cfg_.admin.require_conformance) {
    actors::pool_deps spec_deps;
    spec_deps.platform_env = platform_env(cfg_.platform);
    conformance_ = std::make_unique<conformance_service>(
      runtime_io_, *runtime_, cfg_, [spec_deps](const model_config& model) {
        return actors::container_spec_for(model, spec_deps);
      });
  }
  actor_cfg_.set("logger.file-verbosity", caf::atom("quiet"));
  actor_cfg_.set("logger.console-verbosity", caf::atom("quiet"));
  // One scheduler thread: actor work is a few microseconds per request, and every extra
  // worker polls for jobs and takes CPU from the I/O threads (measured on 2 cores: 32.8k req/s
  // with 1 worker against 26.7k with CAF's default of 4, and 64 us against 164 us added p50).
  actor_cfg_.set("scheduler.max-threads", std::size_t{1});
  // An idle worker first polls with 50 us sleeps (CAF's "moderate" phase) before it waits on its
  // condition variable: under load that is a timer wake-up every ~60 us on a 2-core machine.
  // Skip it: the worker waits on the condition variable, which an enqueue signals.
  actor_cfg_.set("work-stealing.moderate-poll-attempts", std::size_t{0});
  actors_ = std::make_unique<caf::actor_system>(actor_cfg_);
  broker_ = std::make_unique<actors::broker_bridge>();
  // Binding now makes a port in use fail start-up before any container starts.
  std::vector<std::string> model_names;
  for (const auto& model : cfg_.models) {
    model_names.push_back(model.name);
  }
  request_metrics_ = std::make_unique<http::request_metrics>(metrics_, model_names);
  container_metrics_ = std::make_unique<actors::container_metrics>(metrics_, model_names);
  // A removed model's platform series go with its container series (its last container).
  container_metrics_->on_gone([platform = platform_.get(), dropped](const std::string& model) {
    platform->remove_model_metrics(model);
    dropped->remove(model); // its containers' logs are closed: no line of it comes any more
  });
  http::server_hooks hooks;
  hooks.metrics_text = [this](const std::vector<pool_status>& pools) {
    // Each scrape also frees what removed models left, once nothing holds it.
    request_metrics_->reclaim();
    container_metrics_->reclaim();
    log_streams_->Set(static_cast<double>(runtime_->log_streams()));
    return render_metrics_page(pools, metrics_);
  };
  hooks.requests = request_metrics_.get();
  admin_ = std::make_unique<actors::admin_bridge>();
  hooks.admin.broker = admin_.get();
  hooks.admin.token = cfg_.admin.token;
  hooks.admin.runtime = cfg_.runtime;
  hooks.admin.docker = cfg_.docker;
  hooks.admin.max_json_depth = cfg_.server.max_json_depth;
  hooks.admin.conformance = conformance_.get();
  hooks.admin.registry = registry_.get();
  hooks.admin.turns = &turns_;
  hooks.auth = cfg_.auth;
  hooks.admin.limits = cfg_.admin.limits;
  hooks.admin.max_tail = cfg_.log.container_max_tail;
  hooks.admin.container_logs = [logs = container_logs_.get()](std::string_view id, std::size_t n) {
    return logs->tail(id, n);
  };
  if (cfg_.sandbox.enabled) {
    // Sandbox pools go through the admin broker, never through the model registry.
    sandbox_ = std::make_unique<http::sandbox_service>(cfg_.sandbox, cfg_.admin.limits,
                                                       cfg_.server.max_json_depth, *admin_,
                                                       request_metrics_.get(), conformance_.get());
    hooks.sandbox = sandbox_.get();
    hooks.admin.sandbox_owned = [sandbox = sandbox_.get()](const std::string& model) {
      return sandbox->is_sandbox_model(model);
    };
  }
  server_ = std::make_unique<http::server>(cfg_.server, *broker_, std::move(hooks));
}

engine::~engine() {
  // 0. Admin adds waiting for a conformance check are answered (503) while the HTTP threads
  //    still run to deliver the answers.
  if (conformance_) {
    conformance_->shutdown();
  }
  // 1. No more HTTP: the I/O threads stop, so no session asks the actors any more (what they
  //    still wait for is destroyed with the server, below).
  if (server_) {
    server_->stop();
  }
  // 2. Every actor goes while the runtime still runs: supervisors stop their containers through
  //    it and wait for the exits it reports. Normally none is left after shutdown().
  auto limit = longest_grace() + cfg_.docker.call_timeout + std::chrono::seconds(5);
  bool actors_gone = stop_actors(limit);
  // 3. The socket factory, while the runtime's thread (where health probes wait for its
  //    answers) still runs; then the runtime's thread, then the runtime (it kills and removes
  //    what still runs).
  if (netns_) {
    netns_->stop();
  }
  runtime_work_.reset();
  runtime_io_.stop();
  if (runtime_thread_.joinable()) {
    runtime_thread_.join();
  }
  conformance_.reset(); // removes what abandoned checks left, before the runtime goes
  if (!actors_gone) {
    // An actor that still runs may call the runtime: leave it to the process's exit (children
    // die with janusd through PR_SET_PDEATHSIG; Docker containers are reconciled at the next
    // start).
    spdlog::error("actors still running {} ms after the shutdown; not destroying the runtime",
                  limit.count());
    [[maybe_unused]] auto* leaked = runtime_.release();
    [[maybe_unused]] auto* platform = platform_.release(); // the runtime closes endpoints on it
    return;
  }
  runtime_.reset(); // kills and reaps (removes) any child (container) still running
  platform_.reset(); // after the runtime: it closed the endpoints of its containers
}

bool engine::stop_actors(std::chrono::milliseconds limit) {
  if (!actors_) {
    return true;
  }
  // Pools are linked to the router and go with it; their supervisors see them go and stop
  // their containers.
  for (auto* actor : {&facade_, &router_, &health_}) {
    if (*actor) {
      caf::anon_send_exit(*actor, caf::exit_reason::kill);
    }
  }
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (actors_->registry().running() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void engine::start() {
  platform_->start();
  runtime_thread_ = std::thread{[this] { runtime_io_.run(); }};
  actors::prober probe = [this](const endpoint& target, const std::string& path,
                                std::chrono::milliseconds timeout,
                                std::function<void(http::probe_result)> on_result) {
    http::probe_health(runtime_io_, target, path, timeout, std::move(on_result));
  };
  health_ = actors_->spawn(actors::health_checker, probe, container_metrics_.get());
  actors::pool_deps deps;
  deps.supervisors =
    actors::supervisor_deps{runtime_.get(), probe, health_, container_metrics_.get()};
  deps.platform_env = platform_env(cfg_.platform);
  // janus.engine is the stable identity that a restarted engine finds its containers by.
  deps.labels = {{"janus.engine", cfg_.docker.engine_id}, {"janus.instance", instance_id_}};
  deps.adoptable = reconcile_containers(*runtime_, cfg_, deps);
  deps.jitter_seed = (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  auto gates = std::make_shared<actors::pool_directory>();
  actors::router_options options;
  options.limits = cfg_.admin.limits;
  options.restart_limit = cfg_.engine.pool_restart_limit;
  options.restart_window = cfg_.engine.pool_restart_window;
  options.docker = cfg_.docker;
  // The router makes pools for image names only with the Docker runtime; it needs no secret.
  options.docker.model_as_image = cfg_.docker.model_as_image && cfg_.runtime == "docker";
  options.docker.registries.clear();
  router_ = actors_->spawn(actors::router, cfg_.models, deps, gates, options);
  // An engine that answers again ends every pool's start back-off (the router tells them).
  runtime_->watch_availability([router = caf::actor_cast<caf::weak_actor_ptr>(router_)] {
    if (auto strong = caf::actor_cast<caf::actor>(router)) {
      caf::anon_send(strong, actors::engine_up_atom::value);
    }
  });
  broker_->connect(router_, gates);
  admin_->connect(router_);
  if (sandbox_) {
    sandbox_->start(runtime_io_.get_executor());
  }
  facade_ = actors_->spawn<caf::detached>(actors::facade, server_.get(), router_,
                                          cfg_.server.drain_timeout,
                                          longest_grace() + std::chrono::seconds(5));
  spdlog::info("janusd {} listening on {}:{} with {} model(s), {} runtime", instance_id_,
               cfg_.server.host, server_->port(), cfg_.models.size(), runtime_->name());
  // systemd's Type=notify: the listener (bound in the constructor) takes connections now.
  if (auto notice = notify_service_manager("READY=1"); !notice.error.empty()) {
    logging::event{"cannot tell the service manager that janusd is ready"}
      .field("detail", notice.error)
      .warn();
  }
}

void engine::shutdown() {
  if (conformance_) {
    conformance_->shutdown(); // admin adds waiting for a check do not hold up the drain
  }
  caf::scoped_actor self{*actors_};
  auto limit = cfg_.server.drain_timeout + longest_grace() + std::chrono::seconds(10);
  self->request(facade_, limit, actors::shutdown_atom::value)
    .receive([](actors::shutdown_atom) {},
             [](caf::error& err) { spdlog::warn("shutdown did not complete in time"); });
}

std::chrono::milliseconds engine::longest_grace() const {
  std::lock_guard lock{models_mutex_};
  return janus::longest_grace(cfg_);
}

std::uint16_t engine::port() const {
  return server_->port();
}

} // namespace janus
