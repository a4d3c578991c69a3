#include "apps/janus-bench/plot_script.hpp"

#include <gtest/gtest.h>

namespace janus::bench {
namespace {

using namespace std::chrono_literals;

request_record record(std::int64_t at_us, start_kind kind, error_class result = error_class::ok) {
  request_record r;
  r.scheduled_us = at_us;
  r.ttft_us = 2000;
  r.e2el_us = 5000;
  r.start = kind;
  r.result = result;
  return r;
}

TEST(bench_plot_script, each_start_kind_is_its_own_series_with_its_own_point_style) {
  std::vector<request_record> records{record(0, start_kind::cold), record(1000, start_kind::warm),
                                      record(2000, start_kind::prewarmed),
                                      record(3000, start_kind::none, error_class::timeout)};
  auto files = render_plot(records, {}, "t", "/tmp/x.svg", "/tmp/x.dat");
  EXPECT_NE(files.script.find("set terminal svg"), std::string::npos);
  EXPECT_NE(files.script.find("set output '/tmp/x.svg'"), std::string::npos);
  EXPECT_NE(files.script.find("title 'cold'"), std::string::npos);
  EXPECT_NE(files.script.find("title 'warm'"), std::string::npos);
  EXPECT_NE(files.script.find("title 'prewarmed'"), std::string::npos);
  EXPECT_NE(files.script.find("title 'failed (time to failure)'"), std::string::npos);
  EXPECT_EQ(files.script.find("no x-janus-start"), std::string::npos);
  EXPECT_NE(files.script.find("pt 5"), std::string::npos);
  EXPECT_NE(files.script.find("pt 7"), std::string::npos);
  EXPECT_NE(files.script.find("pt 9"), std::string::npos);
  // Four blocks: warm, prewarmed, cold, failed; a failure is drawn at its total time.
  EXPECT_NE(files.data.find("0.001000 2.000\n"), std::string::npos);
  EXPECT_NE(files.data.find("0.003000 5.000\n"), std::string::npos);
  EXPECT_NE(files.script.find("index 3"), std::string::npos);
  EXPECT_EQ(files.script.find("index 4"), std::string::npos);
}

TEST(bench_plot_script, a_png_uses_the_cairo_terminal_and_steps_add_a_client_line) {
  std::vector<load_step> steps{{0, 1s}, {4, 2s}};
  auto files = render_plot({record(1'500'000, start_kind::warm)}, steps, "it's", "out.png",
                           "out.dat");
  EXPECT_NE(files.script.find("set terminal pngcairo"), std::string::npos);
  EXPECT_NE(files.script.find("axes x1y2"), std::string::npos);
  EXPECT_NE(files.script.find("set title 'it''s'"), std::string::npos);
  EXPECT_NE(files.data.find("1.000000 4\n3.000000 4\n"), std::string::npos) << files.data;
}

std::vector<sweep_result> sweep_of(bool stream) {
  std::vector<sweep_result> results;
  for (double value : {1.0, 2.0}) {
    sweep_result r;
    r.value = value;
    r.summary.request_throughput = value * 0.9;
    r.summary.e2el = {1, 4000 * value, 0, 4000 * value, 1, 1, {3000 * value, 5000 * value}};
    if (stream) {
      r.summary.ttft = {1, 1000, 0, 1000, 1, 1, {900, 1500}};
      r.summary.itl = {1, 200, 0, 200, 1, 1, {150, 400}};
    }
    results.push_back(r);
  }
  return results;
}

TEST(bench_plot_script, a_sweep_draws_each_metric_with_samples_against_throughput) {
  auto files = render_sweep_plot(sweep_of(true), {50, 99}, "s", "/tmp/s.svg", "/tmp/s.dat");
  // One line per step: value, throughput, then median, p50 and p99 of ttft, tpot, itl, e2el.
  EXPECT_EQ(files.data,
            "1 0.900000 1.000 0.900 1.500 NaN NaN NaN 0.200 0.150 0.400 4.000 3.000 5.000\n"
            "2 1.800000 1.000 0.900 1.500 NaN NaN NaN 0.200 0.150 0.400 8.000 6.000 10.000\n");
  EXPECT_NE(files.script.find("set multiplot layout 2,2"), std::string::npos) << files.script;
  EXPECT_NE(files.script.find("set title 'time to first token'"), std::string::npos);
  EXPECT_EQ(files.script.find("time per output token"), std::string::npos);
  EXPECT_NE(files.script.find("'/tmp/s.dat' using 2:12 with linespoints pt 7 title 'median'"),
            std::string::npos)
    << files.script;
  EXPECT_NE(files.script.find("using 2:14 with linespoints title 'p99'"), std::string::npos);
  EXPECT_EQ(files.script.find("title 'p50'"), std::string::npos);
  EXPECT_NE(files.script.find("with labels"), std::string::npos);
  EXPECT_NE(files.script.find("set xlabel 'throughput (completed requests/s)'"),
            std::string::npos);
}

TEST(bench_plot_script, a_sweep_without_streams_draws_end_to_end_latency_alone) {
  auto files = render_sweep_plot(sweep_of(false), {50, 99}, "s", "x.png", "x.dat");
  EXPECT_NE(files.script.find("set terminal pngcairo"), std::string::npos);
  EXPECT_NE(files.script.find("set multiplot layout 1,1"), std::string::npos) << files.script;
  EXPECT_NE(files.script.find("end-to-end latency"), std::string::npos);
  EXPECT_EQ(files.script.find("time to first token"), std::string::npos);
}

TEST(bench_plot_script, no_requests_still_make_a_valid_script) {
  auto files = render_plot({}, {}, "t", "x.svg", "x.dat");
  EXPECT_NE(files.script.find("plot NaN"), std::string::npos);
}

} // namespace
} // namespace janus::bench
