#include "apps/janus-bench/report.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <sstream>

namespace janus::bench {
namespace {

bench_options stream_options() {
  std::vector<const char*> argv{"janus-bench", "-c", "4", "-s", "-d", "2s", "-m", "a=3", "-m",
                                "b", "http://127.0.0.1:9"};
  return std::get<bench_options>(parse_command_line(static_cast<int>(argv.size()), argv.data()));
}

run_summary sample_summary() {
  std::vector<request_record> records;
  for (int i = 1; i <= 10; ++i) {
    request_record r;
    r.scheduled_us = i * 1000;
    r.ttft_us = i * 100;
    r.total_us = i * 1000;
    r.tokens = 3;
    r.status = 200;
    r.start = i == 1 ? start_kind::cold : start_kind::warm;
    records.push_back(r);
  }
  request_record failed;
  failed.result = error_class::http_5xx;
  failed.status = 503;
  failed.model = 1;
  records.push_back(failed);
  auto s = summarize(records, 2'000'000, {"a", "b"});
  s.samples[static_cast<std::size_t>(error_class::http_5xx)] = "HTTP 503";
  return s;
}

TEST(bench_report, the_json_summary_has_counts_errors_percentiles_and_start_kinds) {
  auto json = render_json(sample_summary(), stream_options());
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  EXPECT_STREQ(doc["target"].GetString(), "http://127.0.0.1:9/v1/chat/completions");
  EXPECT_STREQ(doc["mode"].GetString(), "closed");
  EXPECT_TRUE(doc["stream"].GetBool());
  EXPECT_EQ(doc["concurrency"].GetUint(), 4u);
  EXPECT_TRUE(doc["rate"].IsNull());
  EXPECT_DOUBLE_EQ(doc["duration_s"].GetDouble(), 2.0);
  EXPECT_EQ(doc["requests"].GetUint64(), 11u);
  EXPECT_EQ(doc["ok"].GetUint64(), 10u);
  EXPECT_EQ(doc["errors"].GetUint64(), 1u);
  EXPECT_DOUBLE_EQ(doc["requests_per_s"].GetDouble(), 5.5);
  EXPECT_EQ(doc["errors_by_class"]["http_5xx"].GetUint64(), 1u);
  EXPECT_EQ(doc["errors_by_class"]["connect_error"].GetUint64(), 0u);
  EXPECT_FALSE(doc["errors_by_class"].HasMember("ok"));
  EXPECT_STREQ(doc["error_samples"]["http_5xx"].GetString(), "HTTP 503");
  EXPECT_EQ(doc["tokens"].GetUint64(), 30u);
  EXPECT_DOUBLE_EQ(doc["ttft_ms"]["min"].GetDouble(), 0.1);
  EXPECT_DOUBLE_EQ(doc["ttft_ms"]["p50"].GetDouble(), 0.5);
  EXPECT_DOUBLE_EQ(doc["ttft_ms"]["p99"].GetDouble(), 1.0);
  EXPECT_DOUBLE_EQ(doc["total_ms"]["max"].GetDouble(), 10.0);
  EXPECT_EQ(doc["total_ms"]["count"].GetUint64(), 10u);
  EXPECT_EQ(doc["start_kinds"]["cold"].GetUint64(), 1u);
  EXPECT_EQ(doc["start_kinds"]["warm"].GetUint64(), 9u);
  EXPECT_EQ(doc["start_kinds"]["none"].GetUint64(), 1u);
  ASSERT_EQ(doc["models"].Size(), 2u);
  EXPECT_STREQ(doc["models"][0]["name"].GetString(), "a");
  EXPECT_EQ(doc["models"][0]["weight"].GetUint(), 3u);
  EXPECT_EQ(doc["models"][1]["requests"].GetUint64(), 1u);
}

TEST(bench_report, the_text_summary_shows_errors_with_a_sample_and_the_latency_table) {
  auto text = render_text(sample_summary(), stream_options());
  EXPECT_NE(text.find("requests    11 in 2.00 s (5.5/s), ok 10 (5.0/s)"), std::string::npos)
    << text;
  EXPECT_NE(text.find("http_5xx"), std::string::npos) << text;
  EXPECT_NE(text.find("e.g. HTTP 503"), std::string::npos) << text;
  EXPECT_NE(text.find("warm 9, prewarmed 0, cold 1, none 1"), std::string::npos) << text;
  EXPECT_NE(text.find("ttft"), std::string::npos);
  EXPECT_NE(text.find("p99"), std::string::npos);
}

TEST(bench_report, a_csv_row_has_every_column_in_order) {
  request_record r;
  r.scheduled_us = 1'500'000;
  r.start_offset_us = 250;
  r.ttft_us = 12'345;
  r.total_us = 67'890;
  r.status = 200;
  r.tokens = 16;
  r.start = start_kind::prewarmed;
  r.model = 1;
  EXPECT_EQ(csv_header(),
            "scheduled_s,start_offset_ms,ttft_ms,total_ms,status,class,tokens,start,model\n");
  EXPECT_EQ(csv_row(r, {"a", "b"}), "1.500000,0.250,12.345,67.890,200,ok,16,prewarmed,b\n");
}

TEST(bench_report, a_csv_row_without_ttft_leaves_it_empty_and_quotes_odd_model_names) {
  request_record r;
  r.result = error_class::connect_error;
  r.total_us = 1000;
  EXPECT_EQ(csv_row(r, {"a,\"b\""}),
            "0.000000,0.000,,1.000,0,connect_error,0,none,\"a,\"\"b\"\"\"\n");
}

TEST(bench_report, write_csv_writes_a_header_and_one_row_per_request) {
  std::ostringstream out;
  write_csv(out, std::vector<request_record>(3), {"m"});
  auto text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
}

TEST(bench_report, describe_run_names_mode_stream_and_bounds) {
  EXPECT_EQ(describe_run(stream_options()), "closed loop, 4 clients, stream, 2s");
}

TEST(bench_report, the_progress_line_shows_counts_and_rate) {
  EXPECT_EQ(progress_line(3.04, 10.0, 120, 40.0, 118, 4),
            "   3.0s/10s  120 requests  40.0/s  ok 118  errors 2  in flight 4");
}

} // namespace
} // namespace janus::bench
