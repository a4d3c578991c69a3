// Costs of updating metrics on the request path: a counter increment and a histogram
// observation through handles resolved once, single-threaded and from several threads at once
// (each thread on its own stripe), next to prometheus-cpp's own Counter and Histogram doing the
// same; all the updates of one served request; a scrape. Run: build/bin/metrics_bench
// [--benchmark_filter=...]

#include <benchmark/benchmark.h>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/container_metrics.hpp"
#include "apps/janusd/metrics_page.hpp"
#include "http/request_metrics.hpp"
#include "metrics/registry.hpp"

namespace {

using namespace janus;

const std::vector<double> wait_buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                       0.5,   1,      2.5,   5,    10,    20,   30,  60};

metrics::registry& shared_registry() {
  static metrics::registry reg;
  return reg;
}

metrics::counter& shared_counter() {
  static auto c =
    shared_registry().add_striped_counter("bench_total", "Bench.", {"model"}).with({"m"});
  return *c;
}

metrics::histogram& shared_histogram() {
  static auto h = shared_registry()
                    .add_striped_histogram("bench_seconds", "Bench.", {"model"}, wait_buckets)
                    .with({"m"});
  return *h;
}

/// prometheus-cpp's own types, in a registry of their own: `render` renders the same page as
/// before the move to prometheus-cpp.
metrics::registry& prometheus_registry() {
  static metrics::registry reg;
  return reg;
}

prometheus::Counter& prometheus_counter() {
  static auto& c =
    prometheus_registry().add_counter("bench_prometheus_total", "Bench.").Add({{"model", "m"}});
  return c;
}

prometheus::Histogram& prometheus_histogram() {
  static auto& h = prometheus_registry()
                     .add_histogram("bench_prometheus_seconds", "Bench.")
                     .Add({{"model", "m"}}, wait_buckets);
  return h;
}

void counter_inc(benchmark::State& state) {
  auto& c = shared_counter();
  for (auto _ : state) {
    c.inc();
  }
  benchmark::DoNotOptimize(c.value());
}
BENCHMARK(counter_inc)->Threads(1)->Threads(2)->UseRealTime();

void histogram_observe(benchmark::State& state) {
  auto& h = shared_histogram();
  double v = 0.0001;
  for (auto _ : state) {
    h.observe(v);
    v = v > 100 ? 0.0001 : v * 1.7; // walks every bucket
  }
}
BENCHMARK(histogram_observe)->Threads(1)->Threads(2)->UseRealTime();

/// prometheus-cpp's counter: one atomic double (a compare-and-swap loop) shared by every thread.
void prometheus_counter_inc(benchmark::State& state) {
  auto& c = prometheus_counter();
  for (auto _ : state) {
    c.Increment();
  }
  benchmark::DoNotOptimize(c.Value());
}
BENCHMARK(prometheus_counter_inc)->Threads(1)->Threads(2)->UseRealTime();

/// prometheus-cpp's histogram: a mutex per observation, then two atomic doubles.
void prometheus_histogram_observe(benchmark::State& state) {
  auto& h = prometheus_histogram();
  double v = 0.0001;
  for (auto _ : state) {
    h.Observe(v);
    v = v > 100 ? 0.0001 : v * 1.7;
  }
}
BENCHMARK(prometheus_histogram_observe)->Threads(1)->Threads(2)->UseRealTime();

/// A naive baseline for comparison: one atomic shared by every thread (the cache line bounces).
void shared_atomic_inc(benchmark::State& state) {
  static std::atomic<std::uint64_t> shared{0};
  for (auto _ : state) {
    shared.fetch_add(1, std::memory_order_relaxed);
  }
}
BENCHMARK(shared_atomic_inc)->Threads(1)->Threads(2)->UseRealTime();

http::request_metrics& shared_requests() {
  static http::request_metrics requests{shared_registry(), {"alpha", "baseline", "gamma"}};
  return requests;
}

/// Everything the request path records for one served request: model lookup by the client's
/// name (and the hold on its handles until the request ends), lease (start kind + queue wait),
/// status code, duration, time to first token.
void request_path_updates(benchmark::State& state) {
  auto& requests = shared_requests();
  std::string_view model = "baseline";
  for (auto _ : state) {
    auto m = requests.of(model);
    m->count_lease(start_kind::warm, std::chrono::microseconds{120});
    m->count_request(200);
    m->observe_duration(std::chrono::milliseconds{35});
    m->observe_first_token(std::chrono::milliseconds{4});
  }
}
BENCHMARK(request_path_updates)->Threads(1)->Threads(2)->UseRealTime();

/// The part of it that holds the model's handles for the request: lookup, pin, release.
void request_handle_hold(benchmark::State& state) {
  auto& requests = shared_requests();
  std::string_view model = "baseline";
  for (auto _ : state) {
    auto m = requests.of(model);
    benchmark::DoNotOptimize(m.get());
  }
}
BENCHMARK(request_handle_hold)->Threads(1)->Threads(2)->UseRealTime();

/// The same updates on prometheus-cpp's own types (the road not taken on the request path).
void request_path_updates_prometheus(benchmark::State& state) {
  struct handles {
    prometheus::Counter* starts;
    prometheus::Counter* requests;
    prometheus::Histogram* queue_wait;
    prometheus::Histogram* duration;
    prometheus::Histogram* first_token;
  };
  static auto table = [] {
    auto& reg = prometheus_registry();
    auto& starts = reg.add_counter("bench_p_starts_total", "Bench.");
    auto& requests = reg.add_counter("bench_p_requests_total", "Bench.");
    auto& waits = reg.add_histogram("bench_p_wait_seconds", "Bench.");
    std::unordered_map<std::string, handles, std::hash<std::string>, std::equal_to<>> out;
    for (const char* name : {"alpha", "baseline", "gamma"}) {
      out[name] = handles{&starts.Add({{"model", name}, {"kind", "warm"}}),
                          &requests.Add({{"model", name}, {"code", "200"}}),
                          &waits.Add({{"model", name}, {"which", "queue"}}, wait_buckets),
                          &waits.Add({{"model", name}, {"which", "duration"}}, wait_buckets),
                          &waits.Add({{"model", name}, {"which", "first_token"}}, wait_buckets)};
    }
    return out;
  }();
  std::string model = "baseline";
  for (auto _ : state) {
    auto& m = table.find(model)->second;
    m.starts->Increment();
    m.queue_wait->Observe(0.00012);
    m.requests->Increment();
    m.duration->Observe(0.035);
    m.first_token->Observe(0.004);
  }
}
BENCHMARK(request_path_updates_prometheus)->Threads(1)->Threads(2)->UseRealTime();

/// A scrape: rendering the registry with the children the benchmarks made.
void render(benchmark::State& state) {
  shared_counter();
  shared_histogram();
  std::string out;
  for (auto _ : state) {
    out.clear();
    shared_registry().render(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(render);

/// janusd's whole /metrics page for `state.range(0)` models that all served traffic: pool
/// gauges, request and container metrics, process metrics (which read /proc).
void render_page(benchmark::State& state) {
  metrics::registry reg;
  std::vector<std::string> names;
  std::vector<pool_status> pools;
  for (int i = 0; i < state.range(0); ++i) {
    names.push_back("model-" + std::to_string(i));
    pool_status p;
    p.model = names.back();
    p.ready = 2;
    p.min_warm = 1;
    p.max_containers = 4;
    pools.push_back(p);
  }
  http::request_metrics requests{reg, names};
  actors::container_metrics containers{reg, names};
  for (const auto& name : names) {
    auto m = requests.of(name);
    for (unsigned code : {200u, 404u, 429u, 502u}) {
      m->count_request(code);
    }
    m->count_rejection(errc::queue_full);
    m->count_lease(start_kind::cold, std::chrono::milliseconds{300});
    m->observe_duration(std::chrono::milliseconds{35});
    m->observe_first_token(std::chrono::milliseconds{4});
    containers.of(name)->count_start(actors::start_result::ok);
    containers.of(name)->observe_start(std::chrono::milliseconds{250});
  }
  std::string out;
  for (auto _ : state) {
    out = render_metrics_page(pools, reg);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(render_page)->Arg(1)->Arg(10)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
