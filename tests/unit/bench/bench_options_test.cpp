#include "apps/janus-bench/bench_options.hpp"

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
