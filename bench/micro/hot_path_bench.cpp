// The request path's in-process costs (Google Benchmark): a lease acquired and released the way
// a request does it when a slot is free (the fast path: the pool's gate, on the calling thread),
// and through the broker bridge, router and pool actor (the path of queued and cold requests), on
// a threaded CAF system set up like janusd's (the benchmark thread plays the I/O thread and waits
// for the grant); the chat request check (iterative, UTF-8-validating, depth-limited) beside RapidJSON's reader; SSE frame
// scanning; a request's metrics updates. Run: build/bin/janus_bench_micro [--benchmark_filter=...]; bench/run.sh runs it.

#include <benchmark/benchmark.h>

#include <caf/all.hpp>

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "actors/broker_bridge.hpp"
#include "actors/pool_plan.hpp"
#include "actors/router.hpp"
#include "http/request_metrics.hpp"
#include "http/sse_scanner.hpp"
#include "metrics/registry.hpp"
#include "model/openai.hpp"
#include "model/utf8.hpp"
#include "runtime/runtime.hpp"

namespace {

using namespace janus;

/// Containers that start at once on port 9; never stop on their own.
class instant_runtime : public runtime {
public:
  std::string name() const override {
    return "instant";
  }
  void start(container_spec, start_handler on_started, exit_handler on_exit) override {
    exits_.push_back(std::move(on_exit));
    on_started(container_info{"c" + std::to_string(exits_.size()), endpoint{"127.0.0.1", 9}, {}});
  }
  void stop(const std::string& id, std::chrono::milliseconds) override {
    for (std::size_t i = 0; i < exits_.size(); ++i) {
      if ("c" + std::to_string(i + 1) == id && exits_[i]) {
        auto on_exit = std::move(exits_[i]);
        exits_[i] = nullptr;
        on_exit(container_exit{id, 0, "stopped"});
      }
    }
  }
  void list(list_handler on_list) override {
    on_list({});
  }

private:
  std::vector<exit_handler> exits_;
};

/// An actor system, router and pool as janusd sets them up, with one ready container.
struct lease_rig {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  instant_runtime containers;
  actors::broker_bridge bridge;
  caf::actor router;

  lease_rig() {
    spdlog::set_level(spdlog::level::off);
    cfg.set("logger.file-verbosity", caf::atom("quiet"));
    cfg.set("logger.console-verbosity", caf::atom("quiet"));
    cfg.set("scheduler.max-threads", std::size_t{1});
    cfg.set("work-stealing.moderate-poll-attempts", std::size_t{0});
    if (auto* polls = std::getenv("CAF_AGGRESSIVE_POLLS")) { // for experiments
      cfg.set("work-stealing.aggressive-poll-attempts", std::size_t{std::stoul(polls)});
    }
    if (auto* polls = std::getenv("CAF_MODERATE_POLLS")) {
      cfg.set("work-stealing.moderate-poll-attempts", std::size_t{std::stoul(polls)});
    }
    system = std::make_unique<caf::actor_system>(cfg);
    actors::pool_deps deps;
    deps.supervisors.containers = &containers;
    deps.supervisors.probe = [](const endpoint&, const std::string&, std::chrono::milliseconds,
                                std::function<void(http::probe_result)> on_result) {
      on_result(http::probe_result{true, 200, ""});
    };
    model_config model;
    model.name = "m";
    model.command = {"none"};
    model.min_warm = 1;
    model.max_containers = 1;
    model.max_concurrency = 1024;
    auto gates = std::make_shared<actors::pool_directory>();
    router = system->spawn(actors::router, std::vector<model_config>{model}, deps, gates,
                           actors::router_options{});
    bridge.connect(router, gates);
    // Wait for the container to be ready: a lease is granted.
    while (true) {
      auto got = acquire_once();
      if (got) {
        bridge.release(got.value(), lease_outcome::ok);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  ~lease_rig() {
    caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
    router = nullptr;
    system.reset();
  }

  result<lease> acquire_once() {
    std::atomic<bool> done{false};
    std::optional<result<lease>> answer;
    bridge.acquire(http::acquire_request{"m", "r", std::chrono::milliseconds(1000), {}},
                   [&](result<lease> got) {
                     answer.emplace(std::move(got));
                     done.store(true, std::memory_order_release);
                   });
    while (!done.load(std::memory_order_acquire)) {
      // spin: the I/O thread would be in epoll_wait here
    }
    return std::move(*answer);
  }
};

/// Never destroyed: the actor system keeps running until the process exits.
lease_rig& shared_rig() {
  static auto& rig = *new lease_rig;
  return rig;
}

/// What a request pays when a slot is free: try_acquire on the gate, release.
void lease_fast_path(benchmark::State& state) {
  auto& rig = shared_rig();
  http::acquire_request request{"m", "r", std::chrono::milliseconds(1000), {}};
  for (auto _ : state) {
    auto got = rig.bridge.try_acquire(request);
    if (!got) {
      state.SkipWithError("no lease from the fast path");
      break;
    }
    rig.bridge.release(*got, lease_outcome::ok);
  }
}
BENCHMARK(lease_fast_path)->UseRealTime();
BENCHMARK(lease_fast_path)->UseRealTime()->Threads(2);

/// A lease granted by the pool actor (the path of a request that queues or starts a container):
/// bridge → router → pool → the grant back to this thread, then the release.
void lease_via_pool_actor(benchmark::State& state) {
  auto& rig = shared_rig();
  for (auto _ : state) {
    auto got = rig.acquire_once();
    if (!got) {
      state.SkipWithError("no lease");
      break;
    }
    rig.bridge.release(got.value(), lease_outcome::ok);
  }
}
BENCHMARK(lease_via_pool_actor)->UseRealTime();

/// A chat body with `content_bytes` of user text (0: the quick-start request), and with a
/// tool whose JSON Schema nests 9 levels when `with_tool`.
std::string chat_body(std::size_t content_bytes, bool with_tool) {
  std::string body = R"({"model":"baseline","stream":true,"messages":[{"role":"user","content":")"
                     + (content_bytes == 0 ? std::string{"hello warm pool"}
                                           : std::string(content_bytes, 'x'))
                     + R"("}])";
  if (with_tool) {
    body += R"(,"tools":[{"type":"function","function":{"name":"get_weather","parameters":)"
            R"({"type":"object","properties":{"location":{"type":"object","properties":)"
            R"({"city":{"type":"string"},"coords":{"type":"array","items":{"type":"number"}}}}}}}}])";
  }
  return body + "}";
}

/// inspect_chat_request as the session runs it on every chat body.
void chat_request_check(benchmark::State& state) {
  const auto body = chat_body(static_cast<std::size_t>(state.range(0)), state.range(1) != 0);
  for (auto _ : state) {
    auto info = inspect_chat_request(body, 128);
    benchmark::DoNotOptimize(info);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(chat_request_check)->Args({0, 0})->Args({0, 1})->Args({16 * 1024, 1});

/// The yardstick beside it, same bodies: RapidJSON's iterative SAX reader with a handler that
/// does nothing (what the check cost when it was built on it, less the routing rules), after the
/// same UTF-8 check.
void chat_request_rapidjson_reference(benchmark::State& state) {
  const auto body = chat_body(static_cast<std::size_t>(state.range(0)), state.range(1) != 0);
  for (auto _ : state) {
    bool valid = janus::is_valid_utf8(body);
    rapidjson::Reader reader;
    rapidjson::MemoryStream stream{body.data(), body.size()};
    rapidjson::BaseReaderHandler<> ignore;
    valid = valid && !reader.Parse<rapidjson::kParseIterativeFlag>(stream, ignore).IsError();
    benchmark::DoNotOptimize(valid);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(chat_request_rapidjson_reference)->Args({0, 0})->Args({0, 1})->Args({16 * 1024, 1});

std::string sse_stream(int tokens) {
  std::string out = "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n";
  for (int i = 0; i < tokens; ++i) {
    out += "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
           "\"delta\":{\"content\":\"word \"},\"finish_reason\":null}]}\n\n";
  }
  out += "data: [DONE]\n\n";
  return out;
}

void sse_scan(benchmark::State& state) {
  auto stream = sse_stream(64);
  auto piece = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    http::sse_scanner scanner;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      scanner.feed(std::string_view{stream}.substr(at, piece));
    }
    benchmark::DoNotOptimize(scanner.data_frames());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(sse_scan)->Arg(64)->Arg(16 * 1024);

/// What one warm request updates: lease, first token, duration, request count.
void request_metrics_update(benchmark::State& state) {
  static metrics::registry reg;
  static http::request_metrics requests{reg, {"m"}};
  auto m = requests.of("m");
  for (auto _ : state) {
    m->count_lease(start_kind::warm, std::chrono::microseconds(12));
    m->observe_first_token(std::chrono::microseconds(300));
    m->observe_duration(std::chrono::microseconds(900));
    m->count_request(200);
  }
}
BENCHMARK(request_metrics_update);

/// One decision of a pool of N ready containers (actors/pool_plan: called after every message the
/// pool gets, a health probe's answer included), and of the same pool at its first decision,
/// which starts all N (min_warm N).
void pool_decide(benchmark::State& state) {
  auto n = static_cast<int>(state.range(0));
  bool starting = state.range(1) != 0;
  actors::pool_view view;
  view.policy.min_warm = n;
  view.policy.max_containers = n;
  view.policy.max_concurrency = 1;
  view.warm_reached = !starting;
  auto now = std::chrono::steady_clock::now();
  for (int i = 0; !starting && i < n; ++i) {
    actors::container_view c;
    c.key = static_cast<std::uint64_t>(i + 1);
    c.state = actors::container_phase::ready;
    c.started_at = now;
    c.last_used = now;
    view.containers.push_back(c);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(actors::decide(view, now));
  }
}
BENCHMARK(pool_decide)->Args({1000, 0})->Args({1000, 1})->Args({10, 0});

} // namespace

BENCHMARK_MAIN();
