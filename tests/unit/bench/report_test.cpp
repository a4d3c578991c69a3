#include "apps/janus-bench/report.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace janus::bench {
namespace {

bench_options options_of(std::vector<const char*> args) {
  args.insert(args.begin(), "janus-bench");
  args.push_back("http://127.0.0.1:9");
  return std::get<bench_options>(parse_command_line(static_cast<int>(args.size()), args.data()));
}

bench_options stream_options() {
  return options_of({"-c", "4", "-s", "-d", "2s", "-m", "a=3", "-m", "b", "--slo",
                     "ttft=1ms,e2e=5ms"});
}

run_summary sample_summary(const bench_options& options) {
  run_outcome outcome;
  for (int i = 1; i <= 10; ++i) {
    request_record r;
    r.scheduled_us = i * 1000;
    r.ttft_us = i * 100;
    r.e2el_us = i * 1000;
    r.output_tokens = 3;
    r.tokens_from = token_source::usage;
    r.status = 200;
    r.start = i == 1 ? start_kind::cold : start_kind::warm;
    outcome.records.push_back(r);
  }
  request_record failed;
  failed.result = error_class::http_5xx;
  failed.status = 503;
  failed.model = 1;
  outcome.records.push_back(failed);
  outcome.itls = {100, 200, 300};
  outcome.elapsed_us = 2'000'000;
  outcome.samples[static_cast<std::size_t>(error_class::http_5xx)] = "HTTP 503";
  return summarize(outcome, {{"a", "b"}, options.percentiles, options.slo});
}

TEST(bench_report, the_text_summary_shows_counts_tokens_goodput_errors_and_the_table) {
  const auto options = stream_options();
  auto text = render_text(sample_summary(options), options);
  EXPECT_NE(text.find("requests    11 in 2.00 s (5.5/s), completed 10 (5.0/s), failed 1"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("tokens      output 30 (15.0/s), input 0; output counted from usage in 10"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("goodput     5 of 10 completed within ttft <= 1ms, e2el <= 5ms (2.5/s)"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("http_5xx"), std::string::npos) << text;
  EXPECT_NE(text.find("e.g. HTTP 503"), std::string::npos) << text;
  EXPECT_NE(text.find("warm 9, prewarmed 0, cold 1, none 1"), std::string::npos) << text;
  EXPECT_NE(text.find("mean     median        p90        p99        min        max"),
            std::string::npos)
    << text;
  // E2EL of 1..10 ms: mean 5.5, median 5.5, p90 9.1, p99 9.91.
  EXPECT_NE(text.find("  e2el         5.50       5.50       9.10       9.91       1.00      10.00"
                      "         10"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("  itl          0.20       0.20"), std::string::npos) << text;
  EXPECT_NE(text.find("  tpot"), std::string::npos) << text;
}

TEST(bench_report, a_run_without_stream_shows_only_e2el_and_says_why) {
  const auto options = options_of({"-c", "1", "--percentiles", "95,99.9"});
  auto text = render_text(sample_summary(options), options);
  EXPECT_EQ(text.find("  ttft"), std::string::npos) << text;
  EXPECT_NE(text.find("  e2el"), std::string::npos) << text;
  EXPECT_NE(text.find("measured on streams only"), std::string::npos) << text;
  EXPECT_NE(text.find("p99.9"), std::string::npos) << text;
  EXPECT_EQ(text.find("goodput"), std::string::npos) << text;
}

TEST(bench_report, the_sweep_table_has_a_line_per_step_with_medians_and_the_top_percentile) {
  auto options = options_of({"--sweep", "rate=5,10", "-s", "-d", "1s", "--slo", "e2e=5ms"});
  std::vector<sweep_result> results;
  for (std::size_t i = 0; i < 2; ++i) {
    auto step = sweep_step(options, i);
    results.push_back({options.sweep->values[i], step, sample_summary(step)});
  }
  auto text = render_sweep_text(results, options);
  EXPECT_NE(text.find("sweep       sweep rate=5,10: open loop, constant gaps, stream, 1s per step"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("ttft med  ttft p99"), std::string::npos) << text;
  EXPECT_NE(text.find("e2el med  e2el p99"), std::string::npos) << text;
  EXPECT_NE(text.find("          5        10       1      5.00       15.0       2.50"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("         10        10"), std::string::npos) << text;
}

TEST(bench_report, a_csv_row_has_every_column_in_order) {
  request_record r;
  r.scheduled_us = 1'500'000;
  r.start_offset_us = 250;
  r.ttft_us = 12'345;
  r.e2el_us = 67'890;
  r.status = 200;
  r.output_tokens = 16;
  r.input_tokens = 4;
  r.chunks = 16;
  r.tokens_from = token_source::usage;
  r.start = start_kind::prewarmed;
  r.model = 1;
  EXPECT_EQ(csv_header(),
            "run,scheduled_s,start_offset_ms,ttft_ms,tpot_ms,e2el_ms,status,class,output_tokens,"
            "tokens_from,input_tokens,chunks,start,model\n");
  // TPOT: (67.890 - 12.345) / 15 ms.
  EXPECT_EQ(csv_row(r, {"a", "b"}, 2),
            "2,1.500000,0.250,12.345,3.703,67.890,200,ok,16,usage,4,16,prewarmed,b\n");
}

TEST(bench_report, a_csv_row_without_ttft_leaves_it_and_tpot_empty_and_quotes_odd_model_names) {
  request_record r;
  r.result = error_class::connect_error;
  r.e2el_us = 1000;
  EXPECT_EQ(csv_row(r, {"a,\"b\""}, 0),
            "0,0.000000,0.000,,,1.000,0,connect_error,0,none,0,0,none,\"a,\"\"b\"\"\"\n");
}

TEST(bench_report, write_csv_rows_writes_one_row_per_request) {
  std::ostringstream out;
  write_csv_rows(out, std::vector<request_record>(3), {"m"}, 0);
  auto text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
}

TEST(bench_report, describe_run_names_mode_arrivals_stream_and_bounds) {
  EXPECT_EQ(describe_run(stream_options()), "closed loop, 4 clients, stream, 2s");
  EXPECT_EQ(describe_run(options_of({"-r", "50", "-n", "10"})),
            "open loop, 50 requests/s, constant gaps, no stream, at most 10 requests");
  EXPECT_EQ(describe_run(options_of({"-r", "2.5", "--arrival", "poisson", "--seed", "7"})),
            "open loop, 2.5 requests/s, poisson arrivals (seed 7), no stream, 10s");
  EXPECT_EQ(describe_run(options_of({"-r", "8", "--burstiness", "0.5", "-s", "-d", "1s"})),
            "open loop, 8 requests/s, gamma arrivals, burstiness 0.5 (seed 0), stream, 1s");
  EXPECT_EQ(describe_run(options_of({"--sweep", "concurrency=1,4", "-n", "20"})),
            "sweep concurrency=1,4: closed loop, no stream, at most 20 requests per step");
}

TEST(bench_report, the_progress_line_shows_counts_and_rate) {
  EXPECT_EQ(progress_line(3.04, 10.0, 120, 40.0, 118, 4),
            "   3.0s/10s  120 requests  40.0/s  ok 118  errors 2  in flight 4");
}

} // namespace
} // namespace janus::bench
