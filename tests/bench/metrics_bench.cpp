// Costs of updating metrics on the request path: a counter increment and a histogram
// observation through handles resolved once, single-threaded and from several threads at once
// (each thread on its own stripe). Run: build/bin/metrics_bench [--benchmark_filter=...]

#include <benchmark/benchmark.h>

#include <chrono>

#include "http/request_metrics.hpp"
#include "metrics/registry.hpp"

namespace {

using namespace janus;

metrics::registry& shared_registry() {
  static metrics::registry reg;
  return reg;
}

metrics::counter& shared_counter() {
  static auto& c = shared_registry().add_counter("bench_total", "Bench.", {"model"}).with({"m"});
  return c;
}

metrics::histogram& shared_histogram() {
  static auto& h = shared_registry()
                     .add_histogram("bench_seconds", "Bench.", {"model"},
                                    {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                     2.5, 5, 10, 20, 30, 60})
                     .with({"m"});
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

/// A naive baseline for comparison: one atomic shared by every thread (the cache line bounces).
void shared_atomic_inc(benchmark::State& state) {
  static std::atomic<std::uint64_t> shared{0};
  for (auto _ : state) {
    shared.fetch_add(1, std::memory_order_relaxed);
  }
}
BENCHMARK(shared_atomic_inc)->Threads(1)->Threads(2)->UseRealTime();

/// Everything the request path records for one served request: model lookup by the client's
/// name, lease (start kind + queue wait), status code, duration, time to first token.
void request_path_updates(benchmark::State& state) {
  static http::request_metrics requests{shared_registry(), {"alpha", "baseline", "gamma"}};
  std::string_view model = "baseline";
  for (auto _ : state) {
    auto& m = requests.of(model);
    m.count_lease(start_kind::warm, std::chrono::microseconds{120});
    m.count_request(200);
    m.observe_duration(std::chrono::milliseconds{35});
    m.observe_first_token(std::chrono::milliseconds{4});
  }
}
BENCHMARK(request_path_updates)->Threads(1)->Threads(2)->UseRealTime();

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

} // namespace

BENCHMARK_MAIN();
