#include "apps/janus-bench/json_report.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace janus::bench {
namespace {

bench_options options_of(std::vector<const char*> args) {
  args.insert(args.begin(), "janus-bench");
  args.push_back("http://127.0.0.1:9");
  return std::get<bench_options>(parse_command_line(static_cast<int>(args.size()), args.data()));
}

run_summary sample_summary(const bench_options& options) {
  run_outcome outcome;
  for (int i = 1; i <= 10; ++i) {
    request_record r;
    r.ttft_us = i * 100;
    r.e2el_us = i * 1000;
    r.output_tokens = 3;
    r.input_tokens = 2;
    r.tokens_from = i <= 8 ? token_source::usage : token_source::chunks;
    r.status = 200;
    r.start = i == 1 ? start_kind::cold : start_kind::warm;
    outcome.records.push_back(r);
  }
  request_record failed;
  failed.result = error_class::http_5xx;
  failed.status = 503;
  failed.model = 1;
  outcome.records.push_back(failed);
  outcome.itls = {1000, 2000, 3000, 4000};
  outcome.elapsed_us = 2'000'000;
  outcome.samples[static_cast<std::size_t>(error_class::http_5xx)] = "HTTP 503";
  return summarize(outcome, {{"a", "b"}, options.percentiles, options.slo});
}

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << json;
  return doc;
}

TEST(bench_json_report, a_run_has_vllms_names_for_counts_throughputs_and_latencies) {
  auto options = options_of({"-c", "4", "-s", "-d", "2s", "-m", "a=3", "-m", "b", "--slo",
                             "ttft=1ms,tpot=0.5ms,e2e=5ms", "--percentiles", "90,99.9"});
  auto doc = parse(render_json(sample_summary(options), options));
  EXPECT_DOUBLE_EQ(doc["duration"].GetDouble(), 2.0);
  EXPECT_EQ(doc["completed"].GetUint64(), 10u);
  EXPECT_EQ(doc["failed"].GetUint64(), 1u);
  EXPECT_EQ(doc["total_input_tokens"].GetUint64(), 20u);
  EXPECT_EQ(doc["total_output_tokens"].GetUint64(), 30u);
  EXPECT_DOUBLE_EQ(doc["request_throughput"].GetDouble(), 5.0);
  EXPECT_DOUBLE_EQ(doc["output_throughput"].GetDouble(), 15.0);
  EXPECT_DOUBLE_EQ(doc["total_token_throughput"].GetDouble(), 25.0);
  // TPOT is 0.45 * i ms: only i = 1 meets 0.5 ms (and its E2EL 1 ms and TTFT 0.1 ms).
  EXPECT_EQ(doc["good_requests"].GetUint64(), 1u);
  EXPECT_DOUBLE_EQ(doc["request_goodput"].GetDouble(), 0.5);
  EXPECT_EQ(doc["max_concurrency"].GetUint(), 4u);
  EXPECT_TRUE(doc["request_rate"].IsNull());
  EXPECT_DOUBLE_EQ(doc["mean_ttft_ms"].GetDouble(), 0.55);
  EXPECT_DOUBLE_EQ(doc["median_ttft_ms"].GetDouble(), 0.55);
  EXPECT_DOUBLE_EQ(doc["p90_ttft_ms"].GetDouble(), 0.91);
  EXPECT_DOUBLE_EQ(doc["p99.9_ttft_ms"].GetDouble(), 0.999);
  EXPECT_DOUBLE_EQ(doc["std_ttft_ms"].GetDouble(), 0.287);
  EXPECT_DOUBLE_EQ(doc["mean_tpot_ms"].GetDouble(), 2.475);
  EXPECT_DOUBLE_EQ(doc["median_itl_ms"].GetDouble(), 2.5);
  EXPECT_DOUBLE_EQ(doc["p90_itl_ms"].GetDouble(), 3.7);
  EXPECT_EQ(doc["itl_samples"].GetUint64(), 4u);
  EXPECT_DOUBLE_EQ(doc["mean_e2el_ms"].GetDouble(), 5.5);
  EXPECT_DOUBLE_EQ(doc["max_e2el_ms"].GetDouble(), 10.0);
  EXPECT_DOUBLE_EQ(doc["min_e2el_ms"].GetDouble(), 1.0);
  EXPECT_FALSE(doc.HasMember("p50_e2el_ms"));
  EXPECT_DOUBLE_EQ(doc["slo"]["tpot_ms"].GetDouble(), 0.5);
  EXPECT_DOUBLE_EQ(doc["slo"]["e2el_ms"].GetDouble(), 5.0);
  ASSERT_EQ(doc["percentiles"].Size(), 2u);
  EXPECT_DOUBLE_EQ(doc["percentiles"][1].GetDouble(), 99.9);
}

TEST(bench_json_report, janus_bench_keeps_its_own_fields_for_what_vllm_has_no_name_for) {
  auto options = options_of({"-c", "4", "-s", "-d", "2s", "-m", "a=3", "-m", "b"});
  auto doc = parse(render_json(sample_summary(options), options));
  EXPECT_STREQ(doc["target"].GetString(), "http://127.0.0.1:9/v1/chat/completions");
  EXPECT_STREQ(doc["mode"].GetString(), "closed");
  EXPECT_TRUE(doc["stream"].GetBool());
  EXPECT_TRUE(doc["stream_usage"].GetBool());
  EXPECT_DOUBLE_EQ(doc["window_s"].GetDouble(), 2.0);
  EXPECT_EQ(doc["requests"].GetUint64(), 11u);
  EXPECT_DOUBLE_EQ(doc["requests_per_s"].GetDouble(), 5.5);
  EXPECT_EQ(doc["errors_by_class"]["http_5xx"].GetUint64(), 1u);
  EXPECT_EQ(doc["errors_by_class"]["connect_error"].GetUint64(), 0u);
  EXPECT_FALSE(doc["errors_by_class"].HasMember("ok"));
  EXPECT_STREQ(doc["error_samples"]["http_5xx"].GetString(), "HTTP 503");
  EXPECT_EQ(doc["output_tokens_from"]["usage"].GetUint64(), 8u);
  EXPECT_EQ(doc["output_tokens_from"]["chunks"].GetUint64(), 2u);
  EXPECT_EQ(doc["output_tokens_from"]["none"].GetUint64(), 0u);
  EXPECT_EQ(doc["start_kinds"]["cold"].GetUint64(), 1u);
  EXPECT_EQ(doc["start_kinds"]["warm"].GetUint64(), 9u);
  EXPECT_EQ(doc["start_kinds"]["none"].GetUint64(), 1u);
  EXPECT_EQ(doc["itl_dropped"].GetUint64(), 0u);
  ASSERT_EQ(doc["models"].Size(), 2u);
  EXPECT_STREQ(doc["models"][0]["name"].GetString(), "a");
  EXPECT_EQ(doc["models"][0]["weight"].GetUint(), 3u);
  EXPECT_EQ(doc["models"][1]["requests"].GetUint64(), 1u);
  EXPECT_EQ(doc["models"][1]["completed"].GetUint64(), 0u);
  // Without --slo there is no goodput.
  EXPECT_TRUE(doc["slo"].IsNull());
  EXPECT_TRUE(doc["request_goodput"].IsNull());
  EXPECT_TRUE(doc["good_requests"].IsNull());
}

TEST(bench_json_report, a_statistic_without_samples_is_null) {
  auto options = options_of({"-c", "1"});
  run_outcome outcome;
  request_record r;
  r.e2el_us = 4000;
  r.output_tokens = 16;
  r.tokens_from = token_source::usage;
  outcome.records = {r};
  outcome.elapsed_us = 1'000'000;
  auto doc = parse(render_json(summarize(outcome, {{"baseline"}, options.percentiles, {}}),
                               options));
  EXPECT_EQ(doc["ttft_samples"].GetUint64(), 0u);
  EXPECT_TRUE(doc["mean_ttft_ms"].IsNull());
  EXPECT_TRUE(doc["p99_itl_ms"].IsNull());
  EXPECT_TRUE(doc["median_tpot_ms"].IsNull());
  EXPECT_DOUBLE_EQ(doc["median_e2el_ms"].GetDouble(), 4.0);
  EXPECT_FALSE(doc["stream_usage"].GetBool());
}

TEST(bench_json_report, an_open_loop_names_its_rate_arrivals_and_seed) {
  auto options = options_of({"-r", "20", "--burstiness", "0.25", "--seed", "9", "-n", "5",
                             "--max-connections", "32"});
  auto doc = parse(render_json(sample_summary(options), options));
  EXPECT_STREQ(doc["mode"].GetString(), "open");
  EXPECT_DOUBLE_EQ(doc["request_rate"].GetDouble(), 20.0);
  EXPECT_STREQ(doc["arrival"].GetString(), "gamma");
  EXPECT_DOUBLE_EQ(doc["burstiness"].GetDouble(), 0.25);
  EXPECT_EQ(doc["seed"].GetUint64(), 9u);
  EXPECT_EQ(doc["max_concurrency"].GetUint(), 32u);
  EXPECT_EQ(doc["request_limit"].GetUint64(), 5u);
  EXPECT_TRUE(doc["window_s"].IsNull());
  auto constant = options_of({"-r", "20"});
  auto plain = parse(render_json(sample_summary(constant), constant));
  EXPECT_STREQ(plain["arrival"].GetString(), "constant");
  EXPECT_TRUE(plain["burstiness"].IsNull());
}

TEST(bench_json_report, a_sweep_holds_one_run_per_step_in_order) {
  auto options = options_of({"--sweep", "concurrency=1,4,16", "-n", "10"});
  std::vector<sweep_result> results;
  for (std::size_t i = 0; i < 3; ++i) {
    auto step = sweep_step(options, i);
    results.push_back({options.sweep->values[i], step, sample_summary(step)});
  }
  auto doc = parse(render_sweep_json(results, options));
  EXPECT_STREQ(doc["sweep"]["parameter"].GetString(), "concurrency");
  ASSERT_EQ(doc["sweep"]["values"].Size(), 3u);
  EXPECT_EQ(doc["sweep"]["values"][2].GetUint(), 16u);
  EXPECT_STREQ(doc["target"].GetString(), "http://127.0.0.1:9/v1/chat/completions");
  ASSERT_EQ(doc["runs"].Size(), 3u);
  EXPECT_EQ(doc["runs"][0]["max_concurrency"].GetUint(), 1u);
  EXPECT_EQ(doc["runs"][2]["max_concurrency"].GetUint(), 16u);
  EXPECT_EQ(doc["runs"][1]["completed"].GetUint64(), 10u);
  EXPECT_TRUE(doc["runs"][1].HasMember("median_e2el_ms"));
}

} // namespace
} // namespace janus::bench
