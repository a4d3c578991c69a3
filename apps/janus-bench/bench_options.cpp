#include "apps/janus-bench/bench_options.hpp"
#include "apps/version/version.hpp"

#include <CLI/CLI.hpp>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <limits>
#include <utility>

namespace janus::bench {

namespace {

constexpr unsigned max_clients = 100'000;
constexpr double max_rate = 1'000'000;
constexpr double min_burstiness = 0.01;
constexpr double max_burstiness = 100;

constexpr const char* footer = R"(Examples:
  janus-bench -c 16 --stream -d 10s http://127.0.0.1:8000
  janus-bench --rate 50 -d 30s --stream --json out.json --csv out.csv http://127.0.0.1:8000
  janus-bench --rate 20 --arrival poisson --seed 1 -n 500 --stream --slo ttft=200ms,tpot=50ms \
    http://127.0.0.1:8000
  janus-bench --sweep rate=1,2,4,8 -d 30s --stream --json sweep.json --plot sweep.svg \
    http://127.0.0.1:8000
  janus-bench --steps 0:5s,32:10s,0:5s --stream --plot ttft.svg http://127.0.0.1:8000
  janus-bench -m a=3 -m b=1 -n 1000 -c 8 -H 'Authorization: Bearer x' http://127.0.0.1:8000/v1
  janus-bench -c 4 -d 5s --body-extra '{"janus_baseline":{"token_delay_ms":20}}' 127.0.0.1:8080

Exit status: 0 the run completed; 1 a report could not be written or plotted; 2 a bad command
line; 3 no request could connect to the target.)";

/// The raw text of every flag, before checking.
struct raw_flags {
  std::string url;
  std::string url_flag;
  std::vector<std::string> headers;
  std::string concurrency;
  std::string rate;
  std::string steps;
  std::string duration;
  std::string requests;
  std::string max_connections;
  std::string threads;
  std::string arrival;
  std::string burstiness;
  std::string seed;
  std::string sweep;
  std::string percentiles;
  std::string slo;
  bool no_stream_usage = false;
  std::vector<std::string> models;
  bool stream = false;
  std::string prompt;
  CLI::Option* prompt_option = nullptr;
  std::string max_tokens;
  bool baseline_tokens = false;
  std::vector<std::string> body_extra;
  std::string timeout;
  std::string connect_timeout;
  std::string drain;
  std::string json_file;
  std::string csv_file;
  std::string plot_file;
  bool no_progress = false;
  bool quiet = false;
};

void build_app(CLI::App& app, raw_flags& raw) {
  app.footer(footer);
  app.set_version_flag("--version", janus::version_line("janus-bench"));
  app.get_formatter()->column_width(34);
  app.add_option("url", raw.url,
                 "Target, http://HOST[:PORT][/PATH] (default http://127.0.0.1:8000); "
                 "/v1/chat/completions is appended unless PATH ends in /chat/completions "
                 "(PATH /v1 gets /chat/completions)")
    ->type_name("URL");
  app.add_option("-u,--url", raw.url_flag, "The target, as an option")
    ->type_name("URL");
  app.add_option("-H,--header", raw.headers, "Extra request header 'Name: value' (repeatable)")
    ->type_name("'NAME: VALUE'")
    ->allow_extra_args(false);
  app.add_option("-c,--concurrency", raw.concurrency,
                 "Closed loop: N clients, each sends its next request when its last one "
                 "ended (default 1)")
    ->type_name("N");
  app.add_option("-r,--rate", raw.rate,
                 "Open loop: R requests per second on a fixed schedule; latencies count "
                 "from each request's scheduled time")
    ->type_name("R");
  app.add_option("--steps", raw.steps,
                 "Closed loop with a client-count profile LEVEL:DURATION,... e.g. "
                 "0:5s,32:10s,0:5s (the run lasts the sum)")
    ->type_name("STEPS");
  app.add_option("-d,--duration", raw.duration,
                 "How long to start requests: 500ms, 10s, 2m (default 10s unless --requests "
                 "or --steps is given)")
    ->type_name("DUR");
  app.add_option("-n,--requests", raw.requests, "Stop after N requests in all")
    ->type_name("N");
  app.add_option("--max-connections", raw.max_connections,
                 "Open loop: most connections open at once (default 256)")
    ->type_name("N");
  app.add_option("--threads", raw.threads, "I/O threads (default 1)")
    ->type_name("N");
  app.add_option("--arrival", raw.arrival,
                 "Open loop: constant (request i at i/R s, the default) or poisson (random "
                 "gaps with mean 1/R, seeded by --seed)")
    ->type_name("KIND");
  app.add_option("--burstiness", raw.burstiness,
                 "Open loop, poisson: gamma-distributed gaps of shape B and mean 1/R, as vLLM "
                 "(1: Poisson; below 1 burstier); implies --arrival poisson")
    ->type_name("B");
  app.add_option("--seed", raw.seed, "Seed of the random arrival gaps (default 0)")
    ->type_name("N");
  app.add_option("--sweep", raw.sweep,
                 "One run per value: rate=1,2,4,8 (open loop) or concurrency=1,4,16 (closed "
                 "loop), each for --duration / --requests; a latency-throughput table at the end")
    ->type_name("PARAM=LIST");
  app.add_option("-m,--model", raw.models,
                 "Model NAME or NAME=WEIGHT (repeatable; requests are shared by weight; "
                 "default baseline)")
    ->type_name("NAME[=W]")
    ->allow_extra_args(false);
  app.add_flag("-s,--stream", raw.stream, "Ask for a streamed answer (\"stream\": true)");
  raw.prompt_option = app.add_option("-p,--prompt", raw.prompt,
                 "The user message (default \"Hello from janus-bench\")")
    ->type_name("TEXT");
  app.add_option("--max-tokens", raw.max_tokens, "Send \"max_tokens\": N")
    ->type_name("N");
  app.add_flag("--baseline-tokens", raw.baseline_tokens,
               "Also send --max-tokens as \"janus_baseline\": {\"tokens\": N} (janus-baseline's "
               "answer length)");
  app.add_option("-b,--body-extra", raw.body_extra,
                 "A JSON object merged into every request body (repeatable; later wins)")
    ->type_name("JSON")
    ->allow_extra_args(false);
  app.add_flag("--no-stream-usage", raw.no_stream_usage,
               "Do not ask a stream for usage (stream_options.include_usage); output tokens "
               "are then counted from the content chunks");
  app.add_option("--percentiles", raw.percentiles,
                 "Percentiles to report besides mean and median (default 50,90,99)")
    ->type_name("LIST");
  app.add_option("--slo", raw.slo,
                 "Goodput objectives, e.g. ttft=200ms,tpot=50ms,e2e=2s: completed requests/s "
                 "that meet every one (ttft and tpot need --stream)")
    ->type_name("LIST");
  app.add_option("-t,--timeout", raw.timeout,
                 "Per-request deadline from its scheduled time (default 30s)")
    ->type_name("DUR");
  app.add_option("--connect-timeout", raw.connect_timeout, "Per connect attempt (default 5s)")
    ->type_name("DUR");
  app.add_option("--drain", raw.drain,
                 "After the end of --duration or --steps: the longest wait for requests in "
                 "flight, then they are abandoned as timeouts (default: --timeout)")
    ->type_name("DUR");
  app.add_option("--json", raw.json_file, "Write the summary as JSON to FILE")
    ->type_name("FILE");
  app.add_option("--csv", raw.csv_file, "Write one row per request to FILE")
    ->type_name("FILE");
  app.add_option("--plot", raw.plot_file,
                 "Plot TTFT over time by start kind to FILE.svg or FILE.png (needs gnuplot)")
    ->type_name("FILE");
  app.add_flag("--no-progress", raw.no_progress, "No live progress line on a terminal");
  app.add_flag("-q,--quiet", raw.quiet, "Print no summary on stdout");
}

std::string check_json_object(std::string_view flag, const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    throw usage_error(std::string{flag} + ": not valid JSON (" + rapidjson::GetParseError_En(
                        doc.GetParseError()) + " at offset " + std::to_string(doc.GetErrorOffset())
                      + "), got \"" + text + "\"");
  }
  if (!doc.IsObject()) {
    throw usage_error(std::string{flag} + ": must be a JSON object, got \"" + text + "\"");
  }
  return text;
}

bool ends_with_any(const std::string& text, std::initializer_list<std::string_view> endings) {
  for (auto ending : endings) {
    if (text.size() > ending.size() && text.ends_with(ending)) {
      return true;
    }
  }
  return false;
}

bench_options check(const raw_flags& raw) {
  bench_options options;
  if (!raw.url.empty() && !raw.url_flag.empty()) {
    throw usage_error("--url: the target is given twice (as URL and as --url)");
  }
  if (!raw.url_flag.empty()) {
    options.target = parse_target("--url", raw.url_flag);
  } else {
    options.target = parse_target("URL", raw.url.empty() ? "http://127.0.0.1:8000" : raw.url);
  }
  for (const auto& header : raw.headers) {
    options.headers.push_back(parse_header("--header", header));
  }

  const bool closed = !raw.concurrency.empty();
  const bool open_flag = !raw.rate.empty();
  const bool stepped = !raw.steps.empty();
  if (!raw.sweep.empty()) {
    options.sweep = parse_sweep("--sweep", raw.sweep, max_rate, max_clients);
    const char* other = open_flag ? "--rate" : closed ? "--concurrency" : stepped ? "--steps"
                                                                                  : nullptr;
    if (other != nullptr) {
      throw usage_error(std::string{"--sweep: cannot be combined with "} + other
                        + " (the sweep gives each step's value)");
    }
  }
  const bool rate_sweep = options.sweep && options.sweep->parameter == sweep_parameter::rate;
  const bool open = open_flag || rate_sweep;
  if (closed && open) {
    throw usage_error("--rate: cannot be combined with --concurrency (open loop or closed loop)");
  }
  if (stepped && (closed || open)) {
    throw usage_error(std::string{"--steps: cannot be combined with "}
                      + (closed ? "--concurrency" : "--rate")
                      + " (the steps give the client count)");
  }
  if (stepped && !raw.duration.empty()) {
    throw usage_error("--steps: cannot be combined with --duration (the steps give the length)");
  }
  for (auto [flag, given] : {std::pair{"--max-connections", !raw.max_connections.empty()},
                             std::pair{"--arrival", !raw.arrival.empty()},
                             std::pair{"--burstiness", !raw.burstiness.empty()}}) {
    if (given && !open) {
      throw usage_error(std::string{flag}
                        + ": only applies to an open loop (--rate or --sweep rate=...)");
    }
  }
  if (open) {
    options.mode = load_mode::open;
    options.rate = rate_sweep ? options.sweep->values.front()
                              : parse_positive("--rate", raw.rate, max_rate);
    if (raw.arrival == "poisson" || (raw.arrival.empty() && !raw.burstiness.empty())) {
      options.arrival = arrival_process::poisson;
    } else if (!raw.arrival.empty() && raw.arrival != "constant") {
      throw usage_error("--arrival: must be constant or poisson, got \"" + raw.arrival + "\"");
    }
    if (!raw.burstiness.empty()) {
      if (options.arrival != arrival_process::poisson) {
        throw usage_error("--burstiness: needs --arrival poisson (a constant schedule has no "
                          "gaps to shape)");
      }
      options.burstiness = parse_positive("--burstiness", raw.burstiness, max_burstiness);
      if (options.burstiness < min_burstiness) {
        throw usage_error("--burstiness: must be at least 0.01, got \"" + raw.burstiness + "\"");
      }
    }
  } else if (options.sweep) {
    options.concurrency = static_cast<unsigned>(options.sweep->values.front());
  } else if (stepped) {
    options.mode = load_mode::steps;
    options.steps = parse_steps("--steps", raw.steps, max_clients);
    unsigned highest = 0;
    for (const auto& step : options.steps) {
      highest = std::max(highest, step.level);
    }
    if (highest == 0) {
      throw usage_error("--steps: every level is 0, got \"" + raw.steps + "\"");
    }
    options.concurrency = highest;
  } else if (closed) {
    options.concurrency
      = static_cast<unsigned>(parse_count("--concurrency", raw.concurrency, 1, max_clients));
  }
  if (!raw.duration.empty()) {
    options.duration = parse_duration("--duration", raw.duration);
  }
  if (!raw.requests.empty()) {
    options.requests = parse_count("--requests", raw.requests, 1, 1'000'000'000);
  }
  if (!options.duration && !options.requests && !stepped) {
    options.duration = std::chrono::seconds(10);
  }
  if (!raw.max_connections.empty()) {
    options.max_connections = static_cast<unsigned>(
      parse_count("--max-connections", raw.max_connections, 1, max_clients));
  }
  if (!raw.threads.empty()) {
    options.threads = static_cast<unsigned>(parse_count("--threads", raw.threads, 1, 64));
  }
  if (!raw.seed.empty()) {
    options.seed = parse_count("--seed", raw.seed, 0, std::numeric_limits<std::uint64_t>::max());
  }

  for (const auto& model : raw.models) {
    options.models.push_back(parse_model("--model", model));
  }
  if (options.models.empty()) {
    options.models.push_back({"baseline", 1});
  }
  if (options.models.size() > 1000) {
    throw usage_error("--model: at most 1000 models");
  }
  options.stream = raw.stream;
  if (raw.prompt_option->count() > 0) {
    options.prompt = raw.prompt;
  }
  if (!raw.max_tokens.empty()) {
    options.max_tokens
      = static_cast<unsigned>(parse_count("--max-tokens", raw.max_tokens, 1, 10'000'000));
  }
  if (raw.baseline_tokens && !options.max_tokens) {
    throw usage_error("--baseline-tokens: needs --max-tokens N");
  }
  options.baseline_tokens = raw.baseline_tokens;
  for (const auto& extra : raw.body_extra) {
    options.body_extra.push_back(check_json_object("--body-extra", extra));
  }
  options.stream_usage = !raw.no_stream_usage;
  if (!raw.percentiles.empty()) {
    options.percentiles = parse_percentiles("--percentiles", raw.percentiles);
  }
  if (!raw.slo.empty()) {
    options.slo = parse_slo("--slo", raw.slo);
    if (!options.stream && (options.slo.ttft || options.slo.tpot)) {
      throw usage_error("--slo: ttft and tpot are only measured on streams (add --stream), got \""
                        + raw.slo + "\"");
    }
  }

  if (!raw.timeout.empty()) {
    options.timeout = parse_duration("--timeout", raw.timeout);
  }
  if (!raw.connect_timeout.empty()) {
    options.connect_timeout = parse_duration("--connect-timeout", raw.connect_timeout);
  }
  options.drain = raw.drain.empty() ? options.timeout : parse_duration("--drain", raw.drain);

  options.json_file = raw.json_file;
  options.csv_file = raw.csv_file;
  options.plot_file = raw.plot_file;
  if (!options.plot_file.empty() && !ends_with_any(options.plot_file, {".svg", ".png"})) {
    throw usage_error("--plot: the file must end in .svg or .png, got \"" + options.plot_file
                      + "\"");
  }
  options.progress = !raw.no_progress;
  options.quiet = raw.quiet;
  return options;
}

} // namespace

std::optional<std::chrono::microseconds> bench_options::window() const {
  if (mode == load_mode::steps) {
    std::chrono::microseconds total{0};
    for (const auto& step : steps) {
      total += step.length;
    }
    return total;
  }
  return duration;
}

bench_options sweep_step(const bench_options& options, std::size_t index) {
  bench_options step = options;
  const double value = options.sweep->values.at(index);
  if (options.sweep->parameter == sweep_parameter::rate) {
    step.mode = load_mode::open;
    step.rate = value;
  } else {
    step.mode = load_mode::closed;
    step.concurrency = static_cast<unsigned>(value);
  }
  return step;
}

std::variant<bench_options, help_request> parse_command_line(int argc, const char* const* argv) {
  CLI::App app{"janus-bench: a load generator for OpenAI chat-completions endpoints",
               "janus-bench"};
  raw_flags raw;
  build_app(app, raw);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return help_request{app.help()};
  } catch (const CLI::CallForVersion& version) {
    return help_request{std::string{version.what()} + "\n"};
  } catch (const CLI::ParseError& error) {
    throw usage_error(error.what());
  }
  return check(raw);
}

} // namespace janus::bench
