#include "apps/janus-bench/option_values.hpp"

#include <gtest/gtest.h>

namespace janus::bench {
namespace {

using namespace std::chrono_literals;

std::string error_of(auto&& call) {
  try {
    call();
  } catch (const usage_error& error) {
    return error.what();
  }
  return "no error";
}

TEST(bench_option_values, durations_take_the_usual_units_and_bare_seconds) {
  EXPECT_EQ(parse_duration("-d", "10s"), 10s);
  EXPECT_EQ(parse_duration("-d", "500ms"), 500ms);
  EXPECT_EQ(parse_duration("-d", "1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("-d", "2m"), 120s);
  EXPECT_EQ(parse_duration("-d", "1h"), 3600s);
  EXPECT_EQ(parse_duration("-d", "250us"), 250us);
  EXPECT_EQ(parse_duration("-d", "3"), 3s);
}

TEST(bench_option_values, a_bad_duration_names_the_flag_and_the_value) {
  EXPECT_EQ(error_of([] { parse_duration("--duration", "5x"); }),
            "--duration: must be a duration above 0 such as 500ms, 1.5s, 10s, 2m or 1h, "
            "got \"5x\"");
  EXPECT_NE(error_of([] { parse_duration("--timeout", "0s"); }).find("--timeout:"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_duration("--timeout", "-1s"); }), "no error");
  EXPECT_NE(error_of([] { parse_duration("--timeout", ""); }), "no error");
  EXPECT_NE(error_of([] { parse_duration("--timeout", "s"); }), "no error");
  EXPECT_NE(error_of([] { parse_duration("--timeout", "8d"); }), "no error");
}

TEST(bench_option_values, steps_are_level_colon_duration_pairs) {
  auto steps = parse_steps("--steps", "0:5s, 32:10s,0:500ms", 1000);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].level, 0u);
  EXPECT_EQ(steps[0].length, 5s);
  EXPECT_EQ(steps[1].level, 32u);
  EXPECT_EQ(steps[1].length, 10s);
  EXPECT_EQ(steps[2].length, 500ms);
}

TEST(bench_option_values, bad_steps_are_refused_with_the_flag_named) {
  EXPECT_NE(error_of([] { parse_steps("--steps", "5s", 10); }).find("--steps:"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_steps("--steps", "x:5s", 10); }).find("--steps (level)"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_steps("--steps", "11:5s", 10); }), "no error");
  EXPECT_NE(error_of([] { parse_steps("--steps", "1:5s,", 10); }), "no error");
  EXPECT_NE(error_of([] { parse_steps("--steps", "1:0s", 10); }), "no error");
}

TEST(bench_option_values, a_model_has_weight_one_unless_given) {
  auto plain = parse_model("-m", "llama");
  EXPECT_EQ(plain.name, "llama");
  EXPECT_EQ(plain.weight, 1u);
  auto weighted = parse_model("-m", "org/model=3");
  EXPECT_EQ(weighted.name, "org/model");
  EXPECT_EQ(weighted.weight, 3u);
  EXPECT_NE(error_of([] { parse_model("--model", "a=0"); }).find("--model (weight)"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_model("--model", "=2"); }), "no error");
}

TEST(bench_option_values, headers_are_split_at_the_first_colon_and_trimmed) {
  auto header = parse_header("-H", "Authorization:  Bearer a:b ");
  EXPECT_EQ(header.name, "Authorization");
  EXPECT_EQ(header.value, "Bearer a:b");
  EXPECT_NE(error_of([] { parse_header("-H", "no colon"); }), "no error");
  EXPECT_NE(error_of([] { parse_header("-H", "bad name: x"); }), "no error");
  EXPECT_NE(error_of([] { parse_header("-H", "Content-Length: 3"); }), "no error");
}

TEST(bench_option_values, a_target_without_path_gets_the_chat_completions_path) {
  auto url = parse_target("URL", "http://127.0.0.1:8000");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8000);
  EXPECT_EQ(url.path, "/v1/chat/completions");
  EXPECT_EQ(url.text(), "http://127.0.0.1:8000/v1/chat/completions");
  EXPECT_EQ(parse_target("URL", "http://localhost/").path, "/v1/chat/completions");
  EXPECT_EQ(parse_target("URL", "http://localhost").port, 80);
  EXPECT_EQ(parse_target("URL", "127.0.0.1:9").port, 9);
}

TEST(bench_option_values, a_target_path_is_a_base_unless_it_names_the_endpoint) {
  EXPECT_EQ(parse_target("URL", "http://h:1/v1").path, "/v1/chat/completions");
  EXPECT_EQ(parse_target("URL", "http://h:1/proxy/v1/").path, "/proxy/v1/chat/completions");
  EXPECT_EQ(parse_target("URL", "http://h:1/x/chat/completions").path, "/x/chat/completions");
  EXPECT_EQ(parse_target("URL", "http://h:1/v1?k=1").path, "/v1/chat/completions?k=1");
}

TEST(bench_option_values, an_ipv6_target_keeps_its_brackets_in_the_host_header) {
  auto url = parse_target("URL", "http://[::1]:8000");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.host_header(), "[::1]:8000");
}

TEST(bench_option_values, unsupported_targets_are_refused) {
  EXPECT_NE(error_of([] { parse_target("--url", "https://h"); }).find("https is not supported"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_target("--url", "ftp://h"); }), "no error");
  EXPECT_NE(error_of([] { parse_target("--url", "http://:80"); }), "no error");
  EXPECT_NE(error_of([] { parse_target("--url", "http://h:0"); }), "no error");
  EXPECT_NE(error_of([] { parse_target("--url", "http://h:99999"); }), "no error");
  EXPECT_NE(error_of([] { parse_target("--url", "http://h:"); }), "no error");
  EXPECT_NE(error_of([] { parse_target("--url", "http://u:p@h"); }), "no error");
}

TEST(bench_option_values, counts_and_rates_are_checked_against_their_range) {
  EXPECT_EQ(parse_count("-c", "16", 1, 100), 16u);
  EXPECT_EQ(error_of([] { parse_count("-c", "0", 1, 100); }),
            "-c: must be a whole number from 1 to 100, got \"0\"");
  EXPECT_NE(error_of([] { parse_count("-c", "1.5", 1, 100); }), "no error");
  EXPECT_NE(error_of([] { parse_count("-c", "-1", 1, 100); }), "no error");
  EXPECT_DOUBLE_EQ(parse_positive("-r", "12.5", 1000), 12.5);
  EXPECT_NE(error_of([] { parse_positive("-r", "0", 1000); }), "no error");
  EXPECT_NE(error_of([] { parse_positive("-r", "nan", 1000); }), "no error");
  EXPECT_NE(error_of([] { parse_positive("-r", "1e400", 1000); }), "no error");
}

TEST(bench_option_values, durations_are_formatted_for_people) {
  EXPECT_EQ(format_duration(10s), "10s");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(1500ms), "1.5s");
  EXPECT_EQ(format_duration(15us), "15us");
}

} // namespace
} // namespace janus::bench
