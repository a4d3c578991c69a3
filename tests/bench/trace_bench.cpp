// The trace context work of one request (docs/operations.md#trace-context): reading the
// client's `traceparent` and `tracestate` from the request head, making janusd's span
// (next_hop_of: parse, validate, a new random span id) and formatting the fields sent to the
// container (`traceparent`, and `tracestate` when there is one). Beside it the same request
// without a `traceparent` (janusd starts the trace: a random trace id too). The head is a
// Beast field set as the session parses it, with the fields a client sends. Run:
// build/bin/trace_bench [--benchmark_filter=...]

#include <benchmark/benchmark.h>

#include <boost/beast/http/fields.hpp>

#include <string>
#include <string_view>

#include "http/trace_context.hpp"
#include "http/trace_headers.hpp"

namespace {

using janus::http::trace_context;

boost::beast::http::fields client_head(bool traceparent, bool tracestate) {
  boost::beast::http::fields head;
  head.set("Host", "127.0.0.1:8080");
  head.set("User-Agent", "OpenAI/Python 1.54.0");
  head.set("Content-Type", "application/json");
  head.set("Accept", "application/json");
  head.set("Authorization", "Bearer sk-bench");
  head.set("x-request-id", "bench-request-1");
  if (traceparent) {
    head.set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  }
  if (tracestate) {
    head.set("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  }
  return head;
}

/// What a request does with the trace: the context of its hop, then the fields of the
/// container's request head (appended as chat_proxy appends them) and the ids its log lines
/// carry.
void trace_work(benchmark::State& state, bool traceparent, bool tracestate) {
  auto head = client_head(traceparent, tracestate);
  std::string upstream;
  upstream.reserve(1024);
  for (auto _ : state) {
    auto trace = janus::http::next_hop_of(head);
    upstream.clear();
    auto outgoing = trace.outgoing_traceparent();
    upstream.append("traceparent: ").append(outgoing.data(), outgoing.size()).append("\r\n");
    if (!trace.tracestate().empty()) {
      upstream.append("tracestate: ").append(trace.tracestate()).append("\r\n");
    }
    auto trace_id = trace.trace_id_text();
    auto span_id = trace.span_id_text();
    benchmark::DoNotOptimize(trace_id.data());
    benchmark::DoNotOptimize(span_id.data());
    benchmark::DoNotOptimize(upstream.data());
    benchmark::ClobberMemory();
  }
}

void request_without_traceparent(benchmark::State& state) {
  trace_work(state, false, false);
}
BENCHMARK(request_without_traceparent);

void request_with_traceparent(benchmark::State& state) {
  trace_work(state, true, false);
}
BENCHMARK(request_with_traceparent);

void request_with_traceparent_and_tracestate(benchmark::State& state) {
  trace_work(state, true, true);
}
BENCHMARK(request_with_traceparent_and_tracestate);

/// An invalid traceparent (upper-case hex): parsed, refused, a new trace started.
void request_with_invalid_traceparent(benchmark::State& state) {
  auto head = client_head(false, true);
  head.set("traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01");
  for (auto _ : state) {
    auto trace = janus::http::next_hop_of(head);
    auto outgoing = trace.outgoing_traceparent();
    benchmark::DoNotOptimize(outgoing.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(request_with_invalid_traceparent);

/// The parts alone: parsing a valid traceparent, and checking a tracestate.
void parse_traceparent_only(benchmark::State& state) {
  std::string_view value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  for (auto _ : state) {
    auto parts = janus::http::parse_traceparent(value);
    benchmark::DoNotOptimize(parts);
  }
}
BENCHMARK(parse_traceparent_only);

void check_tracestate_only(benchmark::State& state) {
  std::string_view value = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
  for (auto _ : state) {
    auto ok = janus::http::forwardable_tracestate(value);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(check_tracestate_only);

} // namespace

BENCHMARK_MAIN();
