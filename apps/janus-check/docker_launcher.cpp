#include "apps/janus-check/docker_launcher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cmath>
#include <cstdio>
#include <random>

#include "apps/janus-check/tcp_connect.hpp"
#include "runtime/docker_api.hpp"

namespace janus::check {

namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

/// Pause between two inspects while the daemon has not published the host port yet.
constexpr milliseconds port_poll{25};

std::string random_token() {
  std::random_device random;
  char text[9];
  std::snprintf(text, sizeof text, "%08x", random());
  return text;
}

milliseconds since(clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(clock::now() - start);
}

} // namespace

docker_launcher::docker_launcher(container_spec spec, std::string socket,
                                 std::chrono::milliseconds call_timeout)
  : spec_(std::move(spec)), api_(std::move(socket), call_timeout),
    name_("janus-check-" + random_token()) {
  spec_.labels[std::string{check_label}] = "1";
}

std::string docker_launcher::subject() const {
  return spec_.image;
}

std::string docker_launcher::description() const {
  std::string out = "docker container " + (id_.empty() ? name_ : id_) + ", bridged";
  if (host_port_) {
    out += " on 127.0.0.1:" + std::to_string(*host_port_);
  }
  char cpus[32];
  std::snprintf(cpus, sizeof cpus, "%g", spec_.resources.cpus);
  return out + ", " + bytes_in_words(spec_.resources.memory) + " / " + cpus + " CPU / "
         + std::to_string(spec_.resources.pids_limit) + " pids, hardened as janusd runs it";
}

bool docker_launcher::started_by_check() const {
  return true;
}

net::awaitable<launch_outcome> docker_preflight(const docker::client& api, std::string image) {
  std::string_view no_body;
  std::string ping_path = "/_ping";
  auto ping = co_await api.call(bhttp::verb::get, ping_path, no_body);
  if (ping.status != 200) {
    launch_outcome unreachable{launch_fault::engine_unreachable, ping.message()};
    co_return unreachable;
  }
  if (image.empty()) {
    launch_outcome ready;
    co_return ready;
  }
  auto image_path = "/images/" + image + "/json";
  auto inspected = co_await api.call(bhttp::verb::get, image_path, no_body);
  if (inspected.status == 404) {
    launch_outcome missing{launch_fault::image_missing,
                           "image " + image + " is not in the Docker engine ("
                             + inspected.message() + "); janus-check never pulls: build or "
                             + "pull it first"};
    co_return missing;
  }
  launch_outcome ready;
  co_return ready;
}

net::awaitable<launch_outcome> docker_launcher::launch() {
  std::string_view no_body;
  auto ready = co_await docker_preflight(api_, spec_.image);
  if (ready.fault != launch_fault::none) {
    co_return ready;
  }
  auto body = docker::create_body(spec_);
  auto create_path = "/containers/create?name=" + name_;
  // Set before the call: a signal during it may leave a container, which remove() finds by name
  // (a 404 there is fine).
  created_ = true;
  auto created = co_await api_.call(bhttp::verb::post, create_path, body);
  if (created.status == 404) {
    launch_outcome missing{launch_fault::image_missing,
                           "image " + spec_.image + " is not in the Docker engine ("
                             + created.message() + "); janus-check never pulls: build or "
                             + "pull it first"};
    co_return missing;
  }
  if (created.status != 201) {
    launch_outcome refused{launch_fault::start_failed,
                           "cannot create a container of image " + spec_.image + ": "
                             + created.message()};
    co_return refused;
  }
  auto full_id = docker::parse_created(created.body);
  if (!full_id) {
    launch_outcome odd{launch_fault::start_failed, full_id.error().message};
    co_return odd;
  }
  id_ = docker::short_id(full_id.value());
  auto start_path = "/containers/" + id_ + "/start";
  auto started_at = clock::now();
  auto started = co_await api_.call(bhttp::verb::post, start_path, no_body);
  if (started.status != 204 && started.status != 304) {
    launch_outcome refused{launch_fault::start_failed,
                           "cannot start container " + id_ + ": " + started.message()};
    co_return refused;
  }
  // The daemon may publish the host port a moment after the start.
  auto inspect_path = "/containers/" + id_ + "/json";
  auto deadline = clock::now() + api_.timeout();
  auto executor = co_await net::this_coro::executor;
  net::steady_timer pause{executor};
  while (true) {
    auto answer = co_await api_.call(bhttp::verb::get, inspect_path, no_body);
    if (answer.status != 200) {
      launch_outcome failed{launch_fault::start_failed,
                            "cannot inspect container " + id_ + ": " + answer.message()};
      co_return failed;
    }
    auto state = docker::parse_inspect(answer.body);
    if (!state) {
      launch_outcome failed{launch_fault::start_failed, state.error().message};
      co_return failed;
    }
    if (!state.value().running) {
      launch_outcome ended{launch_fault::start_failed,
                           "the container "
                             + docker::exit_description(state.value().exit_code,
                                                        state.value().oom_killed)
                             + " right after its start"};
      co_return ended;
    }
    if (state.value().host_port) {
      host_port_ = state.value().host_port;
      launch_outcome running;
      running.started_at = started_at;
      co_return running;
    }
    if (clock::now() >= deadline) {
      launch_outcome late{launch_fault::start_failed,
                          "container " + id_ + " has no host port for 8080/tcp on 127.0.0.1 "
                            + "after " + std::to_string(api_.timeout().count()) + " ms"};
      co_return late;
    }
    pause.expires_after(port_poll);
    co_await pause.async_wait(nothrow);
  }
}

net::awaitable<result<net::ip::tcp::socket>> docker_launcher::connect(milliseconds timeout) {
  if (!host_port_) {
    error_info none{errc::internal, "the container publishes no port"};
    co_return none;
  }
  endpoint target{"127.0.0.1", *host_port_};
  co_return co_await connect_loopback(target, timeout);
}

net::awaitable<std::string> docker_launcher::ended() {
  if (id_.empty()) {
    co_return std::string{};
  }
  std::string_view no_body;
  auto path = "/containers/" + id_ + "/json";
  auto answer = co_await api_.call(bhttp::verb::get, path, no_body);
  if (answer.status != 200) {
    co_return std::string{};
  }
  auto state = docker::parse_inspect(answer.body);
  if (!state || state.value().running) {
    co_return std::string{};
  }
  co_return docker::exit_description(state.value().exit_code, state.value().oom_killed);
}

net::awaitable<memory_observation> docker_memory(const docker::client& api, std::string id) {
  memory_observation out;
  std::string_view no_body;
  auto path = "/containers/" + id + "/stats?stream=false&one-shot=true";
  auto answer = co_await api.call(bhttp::verb::get, path, no_body);
  if (answer.status != 200) {
    out.unavailable = "Docker's stats: " + answer.message();
    co_return out;
  }
  out.reading = parse_memory_stats(answer.body);
  if (!out.reading) {
    out.unavailable = "Docker's stats have no memory figures";
  }
  co_return out;
}

net::awaitable<memory_observation> docker_launcher::memory() {
  co_return co_await docker_memory(api_, id_);
}

net::awaitable<stop_observation> docker_launcher::stop(milliseconds grace) {
  stop_observation out;
  auto seconds = static_cast<long>(std::ceil(static_cast<double>(grace.count()) / 1000.0));
  out.grace = std::chrono::seconds(seconds);
  std::string_view no_body;
  auto stop_path = "/containers/" + id_ + "/stop?t=" + std::to_string(seconds);
  auto began = clock::now();
  auto stopped = co_await api_.call(bhttp::verb::post, stop_path, no_body,
                                    out.grace + api_.timeout());
  out.took = since(began);
  if (stopped.status != 204 && stopped.status != 304) {
    out.error = stopped.message();
    co_return out;
  }
  auto inspect_path = "/containers/" + id_ + "/json";
  auto answer = co_await api_.call(bhttp::verb::get, inspect_path, no_body);
  auto state = answer.status == 200 ? docker::parse_inspect(answer.body)
                                    : result<docker::container_state>{
                                        error_info{errc::internal, answer.message()}};
  if (!state) {
    out.error = "cannot inspect the stopped container: " + state.error().message;
    co_return out;
  }
  out.still_running = state.value().running;
  out.exit_code = state.value().exit_code;
  out.oom_killed = state.value().oom_killed;
  co_return out;
}

net::awaitable<void> docker_launcher::remove() {
  if (!created_ || removed_) {
    co_return;
  }
  std::string_view no_body;
  auto path = "/containers/" + (id_.empty() ? name_ : id_) + "?force=true";
  auto answer = co_await api_.call(bhttp::verb::delete_, path, no_body);
  if (answer.status == 204 || answer.status == 404
      || (answer.status == 409 && answer.message().find("already in progress") != std::string::npos)) {
    removed_ = true;
  }
}

void docker_launcher::remove_now() {
  if (!created_ || removed_) {
    return;
  }
  net::io_context cleanup;
  net::co_spawn(cleanup, remove(), net::detached);
  cleanup.run_for(api_.timeout());
}

} // namespace janus::check
