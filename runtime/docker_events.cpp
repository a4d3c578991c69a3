#include "runtime/docker_events.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <map>

#include "logging/event.hpp"
#include "runtime/docker_api.hpp"
#include "runtime/line_splitter.hpp"

namespace janus::docker {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using std::chrono::milliseconds;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);

/// Longest pause between two attempts to reopen the events stream, and between two pings of an
/// engine that did not answer: an engine that is back is noticed within about a second.
constexpr milliseconds max_events_backoff{1000};
constexpr milliseconds ping_interval{1000};

std::int64_t unix_nanos_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

void on_event(docker_state& state, const container_event& event) {
  auto id = short_id(event.id);
  auto it = state.containers.find(id);
  if (it == state.containers.end()) {
    if (event.action == "create" && !state.owns(id, event.name)) {
      // Not this run's: a create that an earlier run (killed while it waited for the answer)
      // sent, which the daemon completed after this run's reconciliation listed containers.
      logging::event{"docker: removing container"}
        .field("container", id)
        .field("name", event.name)
        .field("reason", "created for an earlier run")
        .info();
      net::co_spawn(state.io, remove_container(state.api, id), net::detached);
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
  c.died_at = std::chrono::steady_clock::now();
  c.exit_code = event.exit_code.value_or(-1);
  c.description = event.exit_code ? exit_description(*event.exit_code, c.oom)
                                   : std::string{"died"};
  if (c.state == phase::running) {
    state.report_death(it->first);
  }
  // starting: the start fails; offered: adopt() reports it; stopping: the stop reports it.
}

/// After the events stream was down: containers that died meanwhile are reported, and
/// containers of this engine that nobody owns are removed. False when the engine could not
/// list its containers.
net::awaitable<bool> resync(std::shared_ptr<docker_state> state) {
  std::string_view no_body;
  auto judged_below = state->next_seq;
  auto path = list_path(state->cfg.engine_id);
  auto answer = co_await state->api.call(http::verb::get, path, no_body);
  auto listed = answer.status == 200
                  ? parse_list(answer.body)
                  : result<std::vector<container_state>>{error_info{errc::internal,
                                                                    answer.message()}};
  if (!listed) {
    logging::event{"docker: cannot re-list containers"}
      .field("error", listed.error().message)
      .warn();
    co_return false;
  }
  std::map<std::string, container_state> by_id;
  for (auto& c : listed.value()) {
    by_id.emplace(short_id(c.id), std::move(c));
  }
  std::vector<std::string> lost;
  for (const auto& [id, c] : state->containers) {
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
    auto inspected = co_await state->api.call(http::verb::get, inspect_path, no_body);
    auto it = state->containers.find(id);
    if (it == state->containers.end() || it->second.died || it->second.state != phase::running) {
      continue; // a replayed event was first
    }
    auto& c = it->second;
    c.died = true;
    c.description = "gone while janusd could not watch the Docker engine";
    if (inspected.status == 200) {
      auto now = parse_inspect(inspected.body);
      if (now && !now.value().running) {
        c.exit_code = now.value().exit_code;
        c.description = exit_description(now.value().exit_code, now.value().oom_killed);
      }
    }
    state->report_death(id);
  }
  // Prepared containers that the engine lost meanwhile (removed by hand) are forgotten: the
  // next start creates afresh.
  for (auto& [model, list] : state->prepared) {
    std::erase_if(list, [&](const prepared_container& c) {
      if (c.seq >= judged_below || by_id.contains(c.id)) {
        return false;
      }
      if (state->isolation.platform) {
        state->isolation.platform->close(c.name);
      }
      return true;
    });
  }
  for (const auto& [id, c] : by_id) {
    if (state->owns(id, c.name)) {
      continue;
    }
    logging::event{"docker: removing container"}
      .field("container", id)
      .field("name", c.name)
      .field("reason", "no pool owns it")
      .info();
    co_await remove_container(state->api, id);
  }
  co_return true;
}

net::awaitable<void> ping_until_answered(std::shared_ptr<docker_state> state) {
  auto executor = co_await net::this_coro::executor;
  net::steady_timer pause{executor};
  std::string_view no_body;
  std::string ping_path = "/_ping";
  while (state->engine_trouble) {
    pause.expires_after(ping_interval);
    co_await pause.async_wait(nothrow);
    auto ping = co_await state->api.call(http::verb::get, ping_path, no_body);
    if (ping.status == 200) {
      engine_answers(*state);
    }
  }
  state->pinging = false;
}

} // namespace

void note_engine_trouble(const std::shared_ptr<docker_state>& state) {
  if (state->engine_trouble && state->pinging) {
    return;
  }
  state->engine_trouble = true;
  if (!state->pinging) {
    state->pinging = true;
    net::co_spawn(state->io, ping_until_answered(state), net::detached);
  }
}

void engine_answers(docker_state& state) {
  if (!state.engine_trouble) {
    return;
  }
  state.engine_trouble = false;
  logging::event{"docker: engine answers again"}.field("socket", state.cfg.socket).info();
  if (state.on_available) {
    state.on_available();
  }
}

net::awaitable<void> watch_events(std::shared_ptr<docker_state> state,
                                  std::shared_ptr<response_stream> stream) {
  auto executor = co_await net::this_coro::executor;
  net::steady_timer pause{executor};
  line_splitter lines;
  milliseconds backoff{250};
  std::int64_t lost_at = 0;
  bool outage_logged = false;
  while (true) {
    if (!stream) {
      auto reopened = std::make_shared<response_stream>(executor);
      auto path = events_path(state->cfg.engine_id, lost_at - 1000000000);
      auto answer = co_await reopened->open(state->api, path);
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
      while (!co_await resync(state)) {
        pause.expires_after(ping_interval);
        co_await pause.async_wait(nothrow);
      }
      engine_answers(*state);
    }
    auto piece = co_await stream->next();
    if (!piece) {
      logging::event{"docker: events stream lost; reconnecting"}
        .field("error", stream->error())
        .warn();
      lost_at = unix_nanos_now();
      stream.reset();
      state->engine_trouble = true;
      continue;
    }
    for (const auto& line : lines.feed(*piece)) {
      if (auto event = parse_event(line)) {
        on_event(*state, *event);
      }
    }
  }
}

} // namespace janus::docker
