// Costs of the per-request log line on a request thread: building the event, then spdlog with
// the JSON formatter, writing to /dev/null through (a) a synchronous file sink (format and
// write(2) under the sink's mutex, per line), (b) spdlog's async logger (a queue lock and a
// condition-variable wake-up per line; a pool thread formats and writes), (c) janusd's
// batching_sink (format and append under the sink's mutex; its own thread writes every 50 ms).
// Run: build/bin/logging_bench

#include <benchmark/benchmark.h>

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include <fcntl.h>

#include "logging/batching_sink.hpp"
#include "logging/event.hpp"
#include "logging/json_formatter.hpp"

namespace {

using namespace janus;
using namespace std::chrono_literals;

void log_request_line() {
  logging::event line{"chat request"};
  line.field("request_id", "7f3a9c01d2e4b5a6")
    .field("model", "baseline")
    .field("status", 200)
    .field("outcome", "ok")
    .field("attempts", 1)
    .field("container", "p-12345-3")
    .field("start", "warm")
    .millis("queue_ms", 85us)
    .millis("ttft_ms", 3200us)
    .millis("total_ms", 41250us)
    .info();
}

enum class kind { sync_file, spdlog_async, batching };

std::shared_ptr<spdlog::logger> make_logger(kind which) {
  spdlog::sink_ptr sink;
  if (which == kind::batching) {
    static int devnull = ::open("/dev/null", O_WRONLY);
    sink = std::make_shared<logging::batching_sink>(devnull, std::chrono::milliseconds(50),
                                                    std::size_t{64} << 20);
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>("/dev/null");
  }
  sink->set_formatter(std::make_unique<logging::json_formatter>());
  if (which != kind::spdlog_async) {
    return std::make_shared<spdlog::logger>("bench", sink);
  }
  static auto pool = std::make_shared<spdlog::details::thread_pool>(8192, 1);
  return std::make_shared<spdlog::async_logger>("bench", sink, pool,
                                                spdlog::async_overflow_policy::overrun_oldest);
}

template <kind which>
void json_line(benchmark::State& state) {
  if (state.thread_index() == 0) {
    spdlog::set_default_logger(make_logger(which));
  }
  for (auto _ : state) {
    log_request_line();
  }
}
BENCHMARK(json_line<kind::sync_file>)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(json_line<kind::spdlog_async>)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(json_line<kind::batching>)->Threads(1)->Threads(2)->UseRealTime();

void build_event_only(benchmark::State& state) {
  for (auto _ : state) {
    logging::event line{"chat request"};
    line.field("request_id", "7f3a9c01d2e4b5a6").field("model", "baseline").field("status", 200)
      .millis("total_ms", 41250us);
    benchmark::DoNotOptimize(line.payload().data());
  }
}
BENCHMARK(build_event_only);

void format_json_only(benchmark::State& state) {
  logging::event line{"chat request"};
  line.field("request_id", "7f3a9c01d2e4b5a6").field("model", "baseline").field("status", 200)
    .field("outcome", "ok").field("attempts", 1).field("container", "p-12345-3")
    .field("start", "warm").millis("queue_ms", 85us).millis("ttft_ms", 3200us)
    .millis("total_ms", 41250us);
  spdlog::details::log_msg msg{"bench", spdlog::level::info,
                               spdlog::string_view_t{line.payload().data(), line.payload().size()}};
  logging::json_formatter formatter;
  spdlog::memory_buf_t out;
  for (auto _ : state) {
    out.clear();
    formatter.format(msg, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(format_json_only);

} // namespace

BENCHMARK_MAIN();
