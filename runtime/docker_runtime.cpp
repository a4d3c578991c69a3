#include "runtime/docker_runtime.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>


#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include "logging/event.hpp"
#include "runtime/docker_api.hpp"
#include "runtime/docker_client.hpp"
#include "runtime/line_splitter.hpp"

namespace janus {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using std::chrono::milliseconds;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

using clock = std::chrono::steady_clock;

/// Pause between two inspects while the daemon has not published the host port yet.
constexpr milliseconds port_poll{25};

/// Longest pause between two attempts to reopen the events stream, and between two pings of an
/// engine that did not answer: an engine that is back is noticed within about a second.
constexpr milliseconds max_events_backoff{1000};
constexpr milliseconds ping_interval{1000};

std::string random_token() {
  std::random_device random;
  char text[9];
  std::snprintf(text, sizeof(text), "%08x", random());
  return text;
}

std::int64_t unix_nanos_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
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

/// Removes one container (forced, so a running one is killed first); a container that is gone
/// already counts as removed. Touches nothing but its arguments, so it may outlive the runtime.
net::awaitable<bool> remove_container(docker::client api, std::string id) {
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

} // namespace

/// The runtime's state and flows, on one io_context. Coroutines hold a shared_ptr to it, so a
/// flow that is still suspended when the runtime goes away never touches freed memory.
class docker_runtime::core : public std::enable_shared_from_this<core> {
public:
  core(net::io_context& io, docker_config cfg)
    : io_(io),
      cfg_(std::move(cfg)),
      api_(cfg_.socket, cfg_.call_timeout),
      token_(random_token()) {
  }

  // -- runtime calls (on the io thread) -----------------------------------------------------

  void start(container_spec spec, start_handler on_started, exit_handler on_exit,
             clock::time_point asked) {
    queue_.push_back(
      pending_start{std::move(spec), std::move(on_started), std::move(on_exit), asked});
    launch_starts();
  }

  void stop(const std::string& id, milliseconds grace) {
    auto it = containers_.find(id);
    if (it == containers_.end() || it->second.state != phase::running) {
      return;
    }
    it->second.state = phase::stopping;
    it->second.stop_asked = clock::now();
    it->second.grace = grace;
    net::co_spawn(io_, run_stop(id, grace), net::detached);
  }

  void list(const list_handler& on_list) {
    std::vector<container_info> running;
    for (const auto& [id, c] : containers_) {
      if (c.state == phase::running) {
        running.push_back(container_info{id, c.target, {}});
      }
    }
    on_list(std::move(running));
  }

  void adopt(const container_info& container, exit_handler on_exit) {
    auto it = containers_.find(container.id);
    if (it == containers_.end() || it->second.state != phase::offered) {
      container_exit gone{container.id, -1, "not found in the Docker engine"};
      on_exit(std::move(gone));
      return;
    }
    it->second.state = phase::running;
    it->second.on_exit = std::move(on_exit);
    if (it->second.died) {
      report_death(container.id);
    }
  }

  void reconcile(std::vector<reconcile_entry> wanted, reconcile_handler on_done) {
    net::co_spawn(io_, run_reconcile(std::move(wanted), std::move(on_done)), net::detached);
  }

  void watch_availability(available_handler on_available) {
    on_available_ = std::move(on_available);
  }

  /// Drops the availability handler (it may hold actor handles): called when the runtime is
  /// destroyed, while the io_context runs no more.
  void forget_availability() {
    on_available_ = nullptr;
  }

  /// What the destructor must remove: every tracked container and every create under way.
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    for (const auto& [id, c] : containers_) {
      out.push_back(id);
    }
    out.insert(out.end(), creating_.begin(), creating_.end());
    return out;
  }

  const docker::client& api() const noexcept {
    return api_;
  }

private:
  enum class phase {
    /// Created, being started; nobody has its id yet.
    starting,
    /// Started (or adopted) and owned by a supervisor.
    running,
    /// Found by reconcile() and offered for adoption; not adopted yet.
    offered,
    /// Being stopped by its supervisor.
    stopping,
    /// Died; being removed.
    removing,
  };

  struct tracked {
    std::string model;
    phase state = phase::starting;
    endpoint target;
    exit_handler on_exit;
    /// Orders tracked containers: a re-list judges only those created before it was asked for.
    std::uint64_t seq = 0;
    bool oom = false;
    bool died = false;
    int exit_code = -1;
    std::string description;
    /// When stop() was asked and with which grace, and when the die event came: a SIGKILL
    /// before the grace ran out was not ours.
    clock::time_point stop_asked{};
    milliseconds grace{0};
    clock::time_point died_at{};
  };

  struct pending_start {
    container_spec spec;
    start_handler on_started;
    exit_handler on_exit;
    /// When start() was called, for the `wait` phase.
    clock::time_point asked;
  };

  // -- starts ---------------------------------------------------------------------------------

  void launch_starts() {
    while (starts_running_ < cfg_.max_parallel_starts && !queue_.empty()) {
      auto next = std::move(queue_.front());
      queue_.pop_front();
      ++starts_running_;
      net::co_spawn(io_,
                    run_start(std::move(next.spec), std::move(next.on_started),
                              std::move(next.on_exit), next.asked),
                    [self = shared_from_this()](std::exception_ptr error) {
                      if (error) {
                        try {
                          std::rethrow_exception(error);
                        } catch (const std::exception& e) {
                          logging::event{"docker: container start failed unexpectedly"}
                            .field("error", e.what())
                            .error();
                        }
                      }
                      --self->starts_running_;
                      self->launch_starts();
                    });
    }
  }

  net::awaitable<void> run_start(container_spec spec, start_handler on_started,
                                 exit_handler on_exit, clock::time_point asked) {
    auto keep = shared_from_this();
    std::string_view no_body;
    std::vector<start_phase> phases;
    auto mark = asked;
    // Closes the phase that began at `mark`: the first one, `wait` (for a start slot), at start().
    auto timed = [&phases, &mark](const char* name) {
      auto now = clock::now();
      phases.push_back(
        start_phase{name, std::chrono::duration_cast<std::chrono::microseconds>(now - mark)});
      mark = now;
    };
    timed("wait");
    auto seq = next_seq_++;
    auto name = docker::container_name(cfg_.engine_id, spec.model, token_, seq);
    auto body = docker::create_body(spec);
    auto create_path = "/containers/create?name=" + name;
    creating_.insert(name);
    auto created = co_await api_.call(http::verb::post, create_path, body);
    timed("create");
    creating_.erase(name);
    if (created.status == 404) {
      error_info failure{errc::no_capacity,
                         "image " + spec.image + " is not in the Docker engine ("
                           + created.message() + "); janusd never pulls images: build it or "
                           + "pull it first"};
      on_started(std::move(failure));
      co_return;
    }
    if (created.status == 0) {
      note_engine_trouble();
    }
    if (created.status != 201) {
      if (created.status == 0 && created.sent) {
        // No answer, but the daemon may have created it: it must not stay behind.
        co_await remove_container(api_, name);
      }
      error_info failure{errc::no_capacity, "cannot create a container of image " + spec.image
                                              + ": " + created.message()};
      on_started(std::move(failure));
      co_return;
    }
    auto full_id = docker::parse_created(created.body);
    if (!full_id) {
      // Created under a name we know: remove it by name.
      co_await remove_container(api_, name);
      on_started(full_id.error());
      co_return;
    }
    auto id = docker::short_id(full_id.value());
    tracked entry;
    entry.model = spec.model;
    entry.seq = seq;
    entry.on_exit = std::move(on_exit);
    containers_.emplace(id, std::move(entry));

    auto start_path = "/containers/" + id + "/start";
    auto started = co_await api_.call(http::verb::post, start_path, no_body);
    timed("run");
    if (started.status == 0) {
      note_engine_trouble();
    }
    std::string problem;
    if (started.status != 204 && started.status != 304) {
      problem = "cannot start container " + id + " of image " + spec.image + ": "
                + started.message();
    }
    std::optional<std::uint16_t> port;
    if (problem.empty()) {
      auto found = co_await wait_for_port(id);
      timed("port");
      if (found) {
        port = found.value();
      } else {
        problem = "container " + id + " of image " + spec.image + " " + found.error().message;
      }
    }
    if (!port) {
      co_await remove_container(api_, id);
      containers_.erase(id);
      error_info failure{errc::no_capacity, std::move(problem)};
      on_started(std::move(failure));
      co_return;
    }
    auto& c = containers_.at(id);
    c.state = phase::running;
    c.target = endpoint{"127.0.0.1", *port};
    logging::event{"docker: container running"}
      .field("model", spec.model)
      .field("container", id)
      .field("name", name)
      .field("port", *port)
      .debug();
    container_info info{id, c.target, std::move(phases)};
    on_started(std::move(info));
    if (c.died) {
      report_death(id);
    }
  }

  /// Inspects until the daemon has published the host port (it may not have right after the
  /// start), within the call timeout. An error says what went wrong, to follow "container X".
  net::awaitable<result<std::uint16_t>> wait_for_port(std::string id) {
    auto keep = shared_from_this();
    std::string_view no_body;
    auto path = "/containers/" + id + "/json";
    auto deadline = std::chrono::steady_clock::now() + api_.timeout();
    auto executor = co_await net::this_coro::executor;
    net::steady_timer pause{executor};
    while (true) {
      auto& c = containers_.at(id);
      if (c.died) {
        error_info died{errc::no_capacity, c.description + " right after its start"};
        co_return died;
      }
      auto answer = co_await api_.call(http::verb::get, path, no_body);
      if (answer.status != 200) {
        error_info failed{errc::no_capacity, "cannot be inspected: " + answer.message()};
        co_return failed;
      }
      auto state = docker::parse_inspect(answer.body);
      if (!state) {
        co_return state.error();
      }
      if (!state.value().running) {
        error_info died{errc::no_capacity,
                        docker::exit_description(state.value().exit_code,
                                                 state.value().oom_killed)
                          + " right after its start"};
        co_return died;
      }
      if (state.value().host_port) {
        std::uint16_t port = *state.value().host_port;
        co_return port;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        error_info late{errc::no_capacity,
                        "has no host port for 8080/tcp on 127.0.0.1 after "
                          + std::to_string(api_.timeout().count()) + " ms"};
        co_return late;
      }
      pause.expires_after(port_poll);
      co_await pause.async_wait(nothrow);
    }
  }

  // -- stops and deaths -----------------------------------------------------------------------

  net::awaitable<void> run_stop(std::string id, milliseconds grace) {
    auto keep = shared_from_this();
    std::string_view no_body;
    auto seconds = static_cast<long>(std::ceil(static_cast<double>(grace.count()) / 1000.0));
    auto stop_path = "/containers/" + id + "/stop?t=" + std::to_string(seconds);
    auto stopped = co_await api_.call(http::verb::post, stop_path, no_body,
                                      grace + api_.timeout());
    if (stopped.status != 204 && stopped.status != 304 && stopped.status != 404) {
      logging::event{"docker: stop failed; killing the container"}
        .field("container", id)
        .field("error", stopped.message())
        .warn();
      auto kill_path = "/containers/" + id + "/kill";
      auto killed = co_await api_.call(http::verb::post, kill_path, no_body);
      if (killed.status != 204 && killed.status != 409 && killed.status != 404) {
        logging::event{"docker: kill failed"}
          .field("container", id)
          .field("error", killed.message())
          .warn();
      }
    }
    if (!containers_.at(id).died) {
      // The die event may still be on its way: the exit status comes from inspect then.
      auto inspect_path = "/containers/" + id + "/json";
      auto answer = co_await api_.call(http::verb::get, inspect_path, no_body);
      auto& c = containers_.at(id);
      if (!c.died) {
        c.description = "stopped";
        if (answer.status == 200) {
          auto state = docker::parse_inspect(answer.body);
          if (state && !state.value().running) {
            c.exit_code = state.value().exit_code;
            c.description = docker::exit_description(state.value().exit_code,
                                                     state.value().oom_killed || c.oom);
          }
        }
      }
    }
    co_await remove_container(api_, id);
    auto it = containers_.find(id);
    if (it == containers_.end()) {
      co_return;
    }
    auto& c = it->second;
    container_exit exit{id, c.exit_code, c.description};
    // Killed (SIGKILL, or OOM) before our stop's grace ran out: not by our stop, which kills
    // only after the grace.
    exit.on_its_own = c.died
                      && (c.oom || (c.exit_code == 137 && c.died_at - c.stop_asked < c.grace));
    auto handler = std::move(c.on_exit);
    containers_.erase(it);
    if (handler) {
      handler(std::move(exit));
    }
  }

  /// A running container died: its supervisor learns it now, the container is removed after.
  void report_death(const std::string& id) {
    auto& c = containers_.at(id);
    c.state = phase::removing;
    container_exit exit{id, c.exit_code, c.description};
    exit.on_its_own = true;
    auto handler = std::move(c.on_exit);
    net::co_spawn(io_, remove_and_forget(id), net::detached);
    if (handler) {
      handler(std::move(exit));
    }
  }

  net::awaitable<void> remove_and_forget(std::string id) {
    auto keep = shared_from_this();
    co_await remove_container(api_, id);
    containers_.erase(id);
  }

  // -- events ---------------------------------------------------------------------------------

  void on_event(const docker::container_event& event) {
    auto id = docker::short_id(event.id);
    auto it = containers_.find(id);
    if (it == containers_.end()) {
      if (event.action == "create" && !creating_.contains(event.name)) {
        // Not this run's: a create that an earlier run (killed while it waited for the answer)
        // sent, which the daemon completed after this run's reconciliation listed containers.
        logging::event{"docker: removing container"}
          .field("container", id)
          .field("name", event.name)
          .field("reason", "created for an earlier run")
          .info();
        net::co_spawn(io_, remove_container(api_, id), net::detached);
      }
      return;
    }
    auto& c = it->second;
    if (event.action == "oom") {
      c.oom = true;
      return;
    }
    if (event.action != "die" || c.died) {
      return;
    }
    c.died = true;
    c.died_at = clock::now();
    c.exit_code = event.exit_code.value_or(-1);
    c.description = event.exit_code ? docker::exit_description(*event.exit_code, c.oom)
                                     : std::string{"died"};
    if (c.state == phase::running) {
      report_death(it->first);
    }
    // starting: the start fails; offered: adopt() reports it; stopping: the stop reports it.
  }

  /// Reads the events stream for the runtime's life; reopens it when it ends (the daemon
  /// restarted), from a second before it was lost, and re-lists to catch what it missed.
  net::awaitable<void> watch_events(std::shared_ptr<docker::response_stream> stream) {
    auto keep = shared_from_this();
    auto executor = co_await net::this_coro::executor;
    net::steady_timer pause{executor};
    line_splitter lines;
    milliseconds backoff{250};
    std::int64_t lost_at = 0;
    bool outage_logged = false;
    while (true) {
      if (!stream) {
        auto reopened = std::make_shared<docker::response_stream>(executor);
        auto path = docker::events_path(cfg_.engine_id, lost_at - 1000000000);
        auto answer = co_await reopened->open(api_, path);
        if (answer.status != 200) {
          if (!outage_logged) {
            logging::event{"docker: cannot watch the engine's events; retrying"}
              .field("error", answer.message())
              .warn();
            outage_logged = true;
          }
          pause.expires_after(backoff);
          co_await pause.async_wait(nothrow);
          backoff = std::min(backoff * 2, max_events_backoff);
          continue;
        }
        logging::event{"docker: watching events again; re-listing containers"}.info();
        stream = std::move(reopened);
        lines.reset();
        backoff = milliseconds{250};
        outage_logged = false;
        // Deaths missed while the stream was down must be reported before the pools start
        // replacements: a failed re-list is tried again.
        while (!co_await resync()) {
          pause.expires_after(ping_interval);
          co_await pause.async_wait(nothrow);
        }
        engine_answers();
      }
      auto piece = co_await stream->next();
      if (!piece) {
        logging::event{"docker: events stream lost; reconnecting"}
          .field("error", stream->error())
          .warn();
        lost_at = unix_nanos_now();
        stream.reset();
        engine_trouble_ = true;
        continue;
      }
      for (const auto& line : lines.feed(*piece)) {
        if (auto event = docker::parse_event(line)) {
          on_event(*event);
        }
      }
    }
  }

  // -- engine availability --------------------------------------------------------------------

  /// An Engine API call got no answer: the engine may be down. Pings it every second until it
  /// answers (unless a ping loop runs already), then tells the pools.
  void note_engine_trouble() {
    if (engine_trouble_ && pinging_) {
      return;
    }
    engine_trouble_ = true;
    if (!pinging_) {
      pinging_ = true;
      net::co_spawn(io_, ping_until_answered(), net::detached);
    }
  }

  net::awaitable<void> ping_until_answered() {
    auto keep = shared_from_this();
    auto executor = co_await net::this_coro::executor;
    net::steady_timer pause{executor};
    std::string_view no_body;
    std::string ping_path = "/_ping";
    while (engine_trouble_) {
      pause.expires_after(ping_interval);
      co_await pause.async_wait(nothrow);
      auto ping = co_await api_.call(http::verb::get, ping_path, no_body);
      if (ping.status == 200) {
        engine_answers();
      }
    }
    pinging_ = false;
  }

  /// The engine answers again after trouble: the pools may start at once (their back-off was
  /// the engine's outage, not their models' fault). Once per outage.
  void engine_answers() {
    if (!engine_trouble_) {
      return;
    }
    engine_trouble_ = false;
    logging::event{"docker: engine answers again"}.field("socket", cfg_.socket).info();
    if (on_available_) {
      on_available_();
    }
  }

  /// After the events stream was down: containers that died meanwhile are reported, and
  /// containers of this engine that nobody owns are removed. False when the engine could not
  /// list its containers.
  net::awaitable<bool> resync() {
    auto keep = shared_from_this();
    std::string_view no_body;
    auto judged_below = next_seq_;
    auto path = docker::list_path(cfg_.engine_id);
    auto answer = co_await api_.call(http::verb::get, path, no_body);
    auto listed = answer.status == 200 ? docker::parse_list(answer.body)
                                       : result<std::vector<docker::container_state>>{
                                           error_info{errc::internal, answer.message()}};
    if (!listed) {
      logging::event{"docker: cannot re-list containers"}
        .field("error", listed.error().message)
        .warn();
      co_return false;
    }
    std::map<std::string, docker::container_state> by_id;
    for (auto& c : listed.value()) {
      by_id.emplace(docker::short_id(c.id), std::move(c));
    }
    std::vector<std::string> lost;
    for (const auto& [id, c] : containers_) {
      if (c.state != phase::running || c.seq >= judged_below || c.died) {
        continue;
      }
      auto found = by_id.find(id);
      if (found == by_id.end() || !found->second.running) {
        lost.push_back(id);
      }
    }
    for (const auto& id : lost) {
      auto inspect_path = "/containers/" + id + "/json";
      auto inspected = co_await api_.call(http::verb::get, inspect_path, no_body);
      auto it = containers_.find(id);
      if (it == containers_.end() || it->second.died || it->second.state != phase::running) {
        continue; // a replayed event was first
      }
      auto& c = it->second;
      c.died = true;
      c.description = "gone while janusd could not watch the Docker engine";
      if (inspected.status == 200) {
        auto state = docker::parse_inspect(inspected.body);
        if (state && !state.value().running) {
          c.exit_code = state.value().exit_code;
          c.description = docker::exit_description(state.value().exit_code,
                                                   state.value().oom_killed);
        }
      }
      report_death(id);
    }
    for (const auto& [id, c] : by_id) {
      if (containers_.contains(id) || creating_.contains(c.name)) {
        continue;
      }
      logging::event{"docker: removing container"}
        .field("container", id)
        .field("name", c.name)
        .field("reason", "no pool owns it")
        .info();
      co_await remove_container(api_, id);
    }
    co_return true;
  }

  // -- reconciliation -------------------------------------------------------------------------

  net::awaitable<void> run_reconcile(std::vector<reconcile_entry> wanted,
                                     reconcile_handler on_done) {
    auto keep = shared_from_this();
    std::string_view no_body;
    std::string ping_path = "/_ping";
    auto ping = co_await api_.call(http::verb::get, ping_path, no_body);
    if (ping.status != 200) {
      error_info failure{errc::internal, ping.message()
                                           + " (start dockerd, or set docker.socket to its "
                                             "socket)"};
      on_done(std::move(failure));
      co_return;
    }
    if (version_below(ping.api_version, 1, 41)) {
      error_info failure{errc::internal, "the Docker engine at " + cfg_.socket + " speaks API "
                                           + ping.api_version
                                           + "; janusd needs 1.41 or newer (Docker 20.10)"};
      on_done(std::move(failure));
      co_return;
    }
    logging::event{"docker: engine answers"}
      .field("server", ping.server)
      .field("socket", cfg_.socket)
      .field("api_version", ping.api_version)
      .field("engine_id", cfg_.engine_id)
      .info();

    // Events first, so that nothing that happens after the list goes unnoticed.
    auto executor = co_await net::this_coro::executor;
    auto stream = std::make_shared<docker::response_stream>(executor);
    auto events_path = docker::events_path(cfg_.engine_id, 0);
    auto opened = co_await stream->open(api_, events_path);
    if (opened.status != 200) {
      error_info failure{errc::internal,
                         "cannot watch the Docker engine's events: " + opened.message()};
      on_done(std::move(failure));
      co_return;
    }
    net::co_spawn(io_, watch_events(std::move(stream)), net::detached);

    // The id of each model's image as the engine has it now.
    std::map<std::string, std::string> image_ids;
    for (const auto& entry : wanted) {
      auto image_path = "/images/" + entry.spec.image + "/json";
      auto image = co_await api_.call(http::verb::get, image_path, no_body);
      auto id = image.status == 200 ? docker::parse_image_id(image.body)
                                    : result<std::string>{error_info{errc::internal,
                                                                     image.message()}};
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

    auto list_path = docker::list_path(cfg_.engine_id);
    auto answer = co_await api_.call(http::verb::get, list_path, no_body);
    auto listed = answer.status == 200 ? docker::parse_list(answer.body)
                                       : result<std::vector<docker::container_state>>{
                                           error_info{errc::internal, answer.message()}};
    if (!listed) {
      error_info failure{errc::internal, "cannot list the containers of engine "
                                           + cfg_.engine_id + ": " + listed.error().message};
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
      auto id = docker::short_id(c.id);
      auto reason = judge(c, wanted, image_ids, adopted_per_model);
      if (!reason.empty()) {
        removals.push_back(removal{id, c.name, std::move(reason)});
        continue;
      }
      const auto& model = c.labels.at(std::string{docker::model_label});
      ++adopted_per_model[model];
      tracked entry;
      entry.model = model;
      entry.state = phase::offered;
      entry.target = endpoint{"127.0.0.1", *c.host_port};
      entry.seq = next_seq_++;
      containers_.emplace(id, std::move(entry));
      logging::event{"docker: container of an earlier run can be adopted"}
        .field("model", model)
        .field("container", id)
        .field("name", c.name)
        .field("port", *c.host_port)
        .debug();
      container_info offered{id, containers_.at(id).target, {}};
      adoptable.push_back(adoptable_container{model, std::move(offered)});
    }
    for (const auto& stale : removals) {
      logging::event{"docker: removing container of an earlier run"}
        .field("container", stale.id)
        .field("name", stale.name)
        .field("reason", stale.reason)
        .info();
      co_await remove_container(api_, stale.id);
    }
    on_done(std::move(adoptable));
  }

  /// Why a container of an earlier run cannot be adopted; empty when it can.
  static std::string judge(const docker::container_state& c,
                           const std::vector<reconcile_entry>& wanted,
                           const std::map<std::string, std::string>& image_ids,
                           const std::map<std::string, int>& adopted_per_model) {
    auto model_label = c.labels.find(std::string{docker::model_label});
    if (model_label == c.labels.end()) {
      return "it has no model label";
    }
    const auto& model = model_label->second;
    auto entry = std::find_if(wanted.begin(), wanted.end(), [&model](const reconcile_entry& e) {
      return e.spec.model == model;
    });
    if (entry == wanted.end()) {
      return "model " + model + " is not configured any more";
    }
    if (!c.running) {
      return "it is not running (" + (c.status.empty() ? std::string{"unknown state"} : c.status) + ")";
    }
    auto generation = c.labels.find(std::string{docker::generation_label});
    if (generation == c.labels.end() || generation->second != docker::generation_of(entry->spec)) {
      return "the model's configuration changed";
    }
    auto image = image_ids.find(model);
    if (image == image_ids.end() || image->second != c.image_id) {
      return "it does not run the current image " + entry->spec.image;
    }
    if (c.health == "unhealthy") {
      return "it is unhealthy";
    }
    if (!c.host_port) {
      return "it publishes no port on 127.0.0.1";
    }
    auto adopted = adopted_per_model.find(model);
    if (adopted != adopted_per_model.end() && adopted->second >= entry->max_adopt) {
      return "model " + model + " has enough containers already";
    }
    return {};
  }

  net::io_context& io_;
  docker_config cfg_;
  docker::client api_;
  /// Part of every container name, so that names never collide with an earlier run's.
  std::string token_;
  std::uint64_t next_seq_ = 1;
  std::unordered_map<std::string, tracked> containers_;
  /// Names of containers whose create is under way (no id known yet).
  std::set<std::string> creating_;
  std::deque<pending_start> queue_;
  int starts_running_ = 0;
  /// The engine could not be reached (the events stream was lost, or a call got no answer),
  /// and has not answered since.
  bool engine_trouble_ = false;
  bool pinging_ = false;
  available_handler on_available_;
};

docker_runtime::docker_runtime(boost::asio::io_context& io, docker_config cfg)
  : io_(io), core_(std::make_shared<core>(io, std::move(cfg))) {
}

docker_runtime::~docker_runtime() {
  core_->forget_availability();
  auto leftovers = core_->leftovers();
  if (leftovers.empty()) {
    return;
  }
  logging::event{"docker: removing containers still running"}
    .field("count", leftovers.size())
    .warn();
  net::io_context cleanup;
  for (const auto& id : leftovers) {
    net::co_spawn(cleanup, remove_container(core_->api(), id), net::detached);
  }
  cleanup.run_for(core_->api().timeout());
}

std::string docker_runtime::name() const {
  return "docker";
}

void docker_runtime::start(container_spec spec, start_handler on_started, exit_handler on_exit) {
  net::post(io_, [core = core_, spec = std::move(spec), on_started = std::move(on_started),
                  on_exit = std::move(on_exit), asked = clock::now()]() mutable {
    core->start(std::move(spec), std::move(on_started), std::move(on_exit), asked);
  });
}

void docker_runtime::stop(const std::string& id, std::chrono::milliseconds grace) {
  net::post(io_, [core = core_, id, grace] { core->stop(id, grace); });
}

void docker_runtime::list(list_handler on_list) {
  net::post(io_, [core = core_, on_list = std::move(on_list)] { core->list(on_list); });
}

void docker_runtime::reconcile(std::vector<reconcile_entry> wanted, reconcile_handler on_done) {
  net::post(io_, [core = core_, wanted = std::move(wanted),
                  on_done = std::move(on_done)]() mutable {
    core->reconcile(std::move(wanted), std::move(on_done));
  });
}

void docker_runtime::watch_availability(available_handler on_available) {
  net::post(io_, [core = core_, on_available = std::move(on_available)]() mutable {
    core->watch_availability(std::move(on_available));
  });
}

void docker_runtime::adopt(const container_info& container, exit_handler on_exit) {
  net::post(io_, [core = core_, container, on_exit = std::move(on_exit)]() mutable {
    core->adopt(container, std::move(on_exit));
  });
}

} // namespace janus
