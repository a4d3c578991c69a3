#include "apps/janus-bench/bench_options.hpp"
#include "apps/version/version.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

namespace janus::bench {
namespace {

using namespace std::chrono_literals;

std::variant<bench_options, help_request> parse(std::initializer_list<const char*> args) {
  std::vector<const char*> argv{"janus-bench"};
  argv.insert(argv.end(), args.begin(), args.end());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

bench_options options_of(std::initializer_list<const char*> args) {
  return std::get<bench_options>(parse(args));
}

std::string error_of(std::initializer_list<const char*> args) {
  try {
    parse(args);
  } catch (const usage_error& error) {
    return error.what();
  }
  return "no error";
}

TEST(bench_options, no_flags_give_one_client_for_ten_seconds_against_localhost_8000) {
  auto options = options_of({});
  EXPECT_EQ(options.mode, load_mode::closed);
  EXPECT_EQ(options.concurrency, 1u);
  EXPECT_EQ(options.duration, 10s);
  EXPECT_FALSE(options.requests);
  EXPECT_EQ(options.target.text(), "http://127.0.0.1:8000/v1/chat/completions");
  ASSERT_EQ(options.models.size(), 1u);
  EXPECT_EQ(options.models[0].name, "baseline");
  EXPECT_FALSE(options.stream);
  EXPECT_EQ(options.timeout, 30s);
  EXPECT_EQ(options.drain, 30s);
}

TEST(bench_options, a_closed_loop_run_reads_every_flag) {
  auto options = options_of({"-c", "16", "--stream", "-d", "5s", "-n", "100", "-m", "a=3", "-m",
                             "b", "-H", "Authorization: Bearer x", "-p", "hi", "--max-tokens",
                             "8", "--baseline-tokens", "-b", R"({"x":1})", "-t", "2s",
                             "--connect-timeout", "1s", "--json", "s.json", "--csv", "r.csv",
                             "--plot", "p.svg", "--threads", "2", "http://127.0.0.1:9/v1"});
  EXPECT_EQ(options.concurrency, 16u);
  EXPECT_TRUE(options.stream);
  EXPECT_EQ(options.duration, 5s);
  EXPECT_EQ(options.requests, 100u);
  ASSERT_EQ(options.models.size(), 2u);
  EXPECT_EQ(options.models[0].weight, 3u);
  EXPECT_EQ(options.models[1].name, "b");
  ASSERT_EQ(options.headers.size(), 1u);
  EXPECT_EQ(options.headers[0].value, "Bearer x");
  EXPECT_EQ(options.prompt, "hi");
  EXPECT_EQ(options.max_tokens, 8u);
  EXPECT_TRUE(options.baseline_tokens);
  ASSERT_EQ(options.body_extra.size(), 1u);
  EXPECT_EQ(options.timeout, 2s);
  EXPECT_EQ(options.drain, 2s);
  EXPECT_EQ(options.connect_timeout, 1s);
  EXPECT_EQ(options.json_file, "s.json");
  EXPECT_EQ(options.csv_file, "r.csv");
  EXPECT_EQ(options.plot_file, "p.svg");
  EXPECT_EQ(options.threads, 2u);
  EXPECT_EQ(options.target.path, "/v1/chat/completions");
  EXPECT_EQ(options.target.port, 9);
}

TEST(bench_options, a_rate_makes_an_open_loop) {
  auto options = options_of({"--rate", "50", "--max-connections", "8", "-d", "2s"});
  EXPECT_EQ(options.mode, load_mode::open);
  EXPECT_DOUBLE_EQ(options.rate, 50.0);
  EXPECT_EQ(options.max_connections, 8u);
  EXPECT_EQ(options.window(), 2s);
}

TEST(bench_options, an_open_loop_is_constant_unless_poisson_or_a_burstiness_is_asked_for) {
  auto constant = options_of({"--rate", "5"});
  EXPECT_EQ(constant.arrival, arrival_process::constant);
  EXPECT_EQ(constant.seed, 0u);
  auto poisson = options_of({"--rate", "5", "--arrival", "poisson", "--seed", "12"});
  EXPECT_EQ(poisson.arrival, arrival_process::poisson);
  EXPECT_DOUBLE_EQ(poisson.burstiness, 1.0);
  EXPECT_EQ(poisson.seed, 12u);
  auto gamma = options_of({"--rate", "5", "--burstiness", "0.5"});
  EXPECT_EQ(gamma.arrival, arrival_process::poisson);
  EXPECT_DOUBLE_EQ(gamma.burstiness, 0.5);
}

TEST(bench_options, arrival_flags_need_an_open_loop_and_sensible_values) {
  EXPECT_NE(error_of({"--arrival", "poisson"}).find("--arrival: only applies to an open loop"),
            std::string::npos);
  EXPECT_NE(error_of({"-c", "2", "--burstiness", "2"}).find("--burstiness"), std::string::npos);
  EXPECT_NE(error_of({"-r", "5", "--arrival", "bursty"}).find("--arrival: must be constant or "
                                                              "poisson"),
            std::string::npos);
  EXPECT_NE(error_of({"-r", "5", "--arrival", "constant", "--burstiness", "2"})
              .find("--burstiness: needs --arrival poisson"),
            std::string::npos);
  EXPECT_NE(error_of({"-r", "5", "--burstiness", "0"}).find("--burstiness"), std::string::npos);
  EXPECT_NE(error_of({"-r", "5", "--burstiness", "0.001"}).find("--burstiness"),
            std::string::npos);
  EXPECT_NE(error_of({"--seed", "-1"}).find("--seed"), std::string::npos);
}

TEST(bench_options, percentiles_are_read_sorted_and_checked) {
  EXPECT_EQ(options_of({}).percentiles, (std::vector<double>{50, 90, 99}));
  EXPECT_EQ(options_of({"--percentiles", "99,50,95,90,99.9,95"}).percentiles,
            (std::vector<double>{50, 90, 95, 99, 99.9}));
  EXPECT_NE(error_of({"--percentiles", "101"}).find("--percentiles"), std::string::npos);
  EXPECT_NE(error_of({"--percentiles", "50,,90"}).find("--percentiles"), std::string::npos);
  EXPECT_NE(error_of({"--percentiles", "p99"}).find("--percentiles"), std::string::npos);
}

TEST(bench_options, slo_objectives_are_read_by_name) {
  auto options = options_of({"-s", "--slo", "ttft=200ms,tpot=50ms,e2e=2s"});
  EXPECT_EQ(options.slo.ttft, 200ms);
  EXPECT_EQ(options.slo.tpot, 50ms);
  EXPECT_EQ(options.slo.e2el, 2s);
  EXPECT_EQ(options_of({"--slo", "e2el=1.5s"}).slo.e2el, 1500ms);
  EXPECT_FALSE(options_of({}).slo.any());
}

TEST(bench_options, bad_slo_objectives_name_the_flag) {
  EXPECT_NE(error_of({"-s", "--slo", "ttft"}).find("--slo"), std::string::npos);
  EXPECT_NE(error_of({"-s", "--slo", "itl=5ms"}).find("--slo: knows ttft, tpot and e2e"),
            std::string::npos);
  EXPECT_NE(error_of({"-s", "--slo", "ttft=1s,ttft=2s"}).find("given twice"), std::string::npos);
  EXPECT_NE(error_of({"-s", "--slo", "tpot=fast"}).find("--slo (tpot)"), std::string::npos);
  // A whole answer has no first token: only its end-to-end latency can be held to an objective.
  EXPECT_NE(error_of({"--slo", "ttft=200ms"}).find("add --stream"), std::string::npos);
  EXPECT_NE(error_of({"--slo", "tpot=20ms"}).find("add --stream"), std::string::npos);
}

TEST(bench_options, a_rate_sweep_is_an_open_loop_starting_at_its_first_value) {
  auto options = options_of({"--sweep", "rate=1,2.5,4", "-d", "3s", "--arrival", "poisson"});
  ASSERT_TRUE(options.sweep);
  EXPECT_EQ(options.sweep->parameter, sweep_parameter::rate);
  EXPECT_EQ(options.sweep->values, (std::vector<double>{1, 2.5, 4}));
  EXPECT_EQ(options.mode, load_mode::open);
  EXPECT_DOUBLE_EQ(options.rate, 1.0);
  EXPECT_EQ(options.arrival, arrival_process::poisson);
  auto step = sweep_step(options, 1);
  EXPECT_EQ(step.mode, load_mode::open);
  EXPECT_DOUBLE_EQ(step.rate, 2.5);
  EXPECT_EQ(step.duration, 3s);
  EXPECT_EQ(step.arrival, arrival_process::poisson);
}

TEST(bench_options, a_concurrency_sweep_is_a_closed_loop_per_value) {
  auto options = options_of({"--sweep", "concurrency=1,4,16", "-n", "100"});
  ASSERT_TRUE(options.sweep);
  EXPECT_EQ(options.mode, load_mode::closed);
  EXPECT_EQ(options.concurrency, 1u);
  auto step = sweep_step(options, 2);
  EXPECT_EQ(step.mode, load_mode::closed);
  EXPECT_EQ(step.concurrency, 16u);
  EXPECT_EQ(step.requests, 100u);
  EXPECT_FALSE(step.duration);
}

TEST(bench_options, a_sweep_gives_the_values_itself_and_refuses_others) {
  EXPECT_NE(error_of({"--sweep", "rate=1,2", "-r", "5"}).find("--sweep: cannot be combined with "
                                                             "--rate"),
            std::string::npos);
  EXPECT_NE(error_of({"--sweep", "concurrency=1,2", "-c", "5"}).find("--concurrency"),
            std::string::npos);
  EXPECT_NE(error_of({"--sweep", "rate=1", "--steps", "1:1s"}).find("--steps"),
            std::string::npos);
  EXPECT_NE(error_of({"--sweep", "concurrency=1,2", "--arrival", "poisson"}).find("--arrival"),
            std::string::npos);
  EXPECT_NE(error_of({"--sweep", "threads=1,2"}).find("--sweep: must be rate="),
            std::string::npos);
  EXPECT_NE(error_of({"--sweep", "rate=1,0"}).find("--sweep (rate)"), std::string::npos);
  EXPECT_NE(error_of({"--sweep", "concurrency=1,2.5"}).find("--sweep (concurrency)"),
            std::string::npos);
  EXPECT_NE(error_of({"--sweep", "rate="}).find("--sweep"), std::string::npos);
}

TEST(bench_options, a_stream_asks_for_usage_unless_told_not_to) {
  EXPECT_TRUE(options_of({"-s"}).stream_usage);
  EXPECT_FALSE(options_of({"-s", "--no-stream-usage"}).stream_usage);
}

TEST(bench_options, steps_set_the_window_and_the_peak_client_count) {
  auto options = options_of({"--steps", "0:5s,32:10s,0:5s"});
  EXPECT_EQ(options.mode, load_mode::steps);
  EXPECT_EQ(options.concurrency, 32u);
  EXPECT_FALSE(options.duration);
  EXPECT_EQ(options.window(), 20s);
}

TEST(bench_options, a_request_count_alone_has_no_time_window) {
  auto options = options_of({"-n", "10"});
  EXPECT_FALSE(options.duration);
  EXPECT_FALSE(options.window());
  EXPECT_EQ(options.requests, 10u);
}

TEST(bench_options, the_url_may_be_given_as_an_option) {
  EXPECT_EQ(options_of({"--url", "http://h:1/x/chat/completions"}).target.path,
            "/x/chat/completions");
  EXPECT_NE(error_of({"--url", "http://a:1", "http://b:2"}), "no error");
}

TEST(bench_options, help_is_a_request_not_an_error) {
  auto parsed = parse({"--help"});
  ASSERT_TRUE(std::holds_alternative<help_request>(parsed));
  EXPECT_NE(std::get<help_request>(parsed).text.find("--concurrency"), std::string::npos);
}

TEST(bench_options, version_is_a_request_for_the_version_line) {
  auto parsed = parse({"--version"});
  ASSERT_TRUE(std::holds_alternative<help_request>(parsed));
  EXPECT_EQ(std::get<help_request>(parsed).text, janus::version_line("janus-bench") + "\n");
}

TEST(bench_options, unknown_flags_and_bad_values_name_the_flag) {
  EXPECT_NE(error_of({"--bogus"}).find("--bogus"), std::string::npos);
  EXPECT_NE(error_of({"-c", "x"}).find("--concurrency"), std::string::npos);
  EXPECT_NE(error_of({"-c", "0"}).find("--concurrency"), std::string::npos);
  EXPECT_NE(error_of({"-c"}).find("--concurrency"), std::string::npos);
  EXPECT_NE(error_of({"-r", "0"}).find("--rate"), std::string::npos);
  EXPECT_NE(error_of({"-d", "soon"}).find("--duration"), std::string::npos);
  EXPECT_NE(error_of({"-b", "[1]"}).find("--body-extra: must be a JSON object"),
            std::string::npos);
  EXPECT_NE(error_of({"-b", "{"}).find("--body-extra: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of({"--plot", "x.pdf"}).find("--plot"), std::string::npos);
  EXPECT_NE(error_of({"--threads", "0"}).find("--threads"), std::string::npos);
  EXPECT_NE(error_of({"-c", "1", "-c", "2"}).find("--concurrency"), std::string::npos);
}

TEST(bench_options, contradicting_flags_are_refused) {
  EXPECT_NE(error_of({"-c", "2", "-r", "5"}).find("--rate"), std::string::npos);
  EXPECT_NE(error_of({"--steps", "1:1s", "-c", "2"}).find("--steps"), std::string::npos);
  EXPECT_NE(error_of({"--steps", "1:1s", "-r", "2"}).find("--steps"), std::string::npos);
  EXPECT_NE(error_of({"--steps", "1:1s", "-d", "2s"}).find("--steps"), std::string::npos);
  EXPECT_NE(error_of({"--steps", "0:1s,0:2s"}).find("--steps"), std::string::npos);
  EXPECT_NE(error_of({"-c", "2", "--max-connections", "4"}).find("--max-connections"),
            std::string::npos);
  EXPECT_NE(error_of({"--baseline-tokens"}).find("--baseline-tokens"), std::string::npos);
}

} // namespace
} // namespace janus::bench
