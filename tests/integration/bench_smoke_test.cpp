// Runs the real janus-bench binary against a real janus-baseline on loopback and checks what
// it reports: counts, error classes, LLM latencies (TTFT, TPOT, ITL, E2EL), goodput, arrival
// schedules, sweeps, exit statuses. Every run is short (about 2 s at most) and targets
// 127.0.0.1 only.

#include "tests/support/child_process.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

const std::string baseline_binary = std::string(JANUS_BIN_DIR) + "/janus-baseline";
const std::string bench_binary = std::string(JANUS_BIN_DIR) + "/janus-bench";

/// What one janus-bench run left behind.
struct bench_run {
  /// The raw wait status; nullopt when it did not exit in time (it is then killed).
  std::optional<int> status;
  std::string output;
  std::chrono::milliseconds took{0};

  int exit_code() const {
    return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  }
};

/// One CSV row of the per-request file.
struct csv_row {
  std::size_t run = 0;
  double scheduled_s = 0;
  std::optional<double> ttft_ms;
  std::optional<double> tpot_ms;
  double e2el_ms = 0;
  std::string result;
  std::string tokens_from;
};

/// Starts one janus-baseline per test on a free port and runs janus-bench against it.
class bench_smoke : public ::testing::Test {
protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() / "janus-tests"
           / (std::string(info->test_suite_name()) + "." + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }

  std::string start_baseline() {
    port_ = free_port();
    std::map<std::string, std::string> env{{"PORT", std::to_string(port_)},
                                           {"HOST", "127.0.0.1"}};
    baseline_.emplace(std::vector<std::string>{baseline_binary}, std::move(env),
                      dir_ / "baseline.log");
    EXPECT_TRUE(wait_for_http(port_, "/health", 10s)) << "janus-baseline did not come up";
    return url(port_);
  }

  static std::string url(std::uint16_t port) {
    return "http://127.0.0.1:" + std::to_string(port);
  }

  /// Runs janus-bench with `args`; kills it when it takes longer than `limit`.
  bench_run run(std::vector<std::string> args, std::chrono::milliseconds limit = 10s) {
    args.insert(args.begin(), bench_binary);
    auto log = dir_ / ("bench-" + std::to_string(runs_++) + ".log");
    auto started = clock_type::now();
    child_process bench{std::move(args), {}, log};
    bench_run result;
    result.status = bench.wait_for_exit(limit);
    result.took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now()
                                                                         - started);
    result.output = bench.log();
    last_output_ = result.output;
    return result;
  }

  std::string path(const std::string& name) const {
    return (dir_ / name).string();
  }

  static rapidjson::Document read_json(const std::string& file) {
    std::ifstream in{file};
    std::stringstream text;
    text << in.rdbuf();
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(text.str().c_str());
    EXPECT_FALSE(doc.HasParseError()) << file << ":\n" << text.str();
    return doc;
  }

  static std::vector<csv_row> read_csv(const std::string& file) {
    std::ifstream in{file};
    std::string line;
    std::vector<csv_row> rows;
    std::getline(in, line);
    EXPECT_EQ(line, "run,scheduled_s,start_offset_ms,ttft_ms,tpot_ms,e2el_ms,status,class,"
                    "output_tokens,tokens_from,input_tokens,chunks,start,model");
    while (std::getline(in, line)) {
      std::vector<std::string> cells;
      std::stringstream fields{line};
      std::string cell;
      while (std::getline(fields, cell, ',')) {
        cells.push_back(cell);
      }
      if (cells.size() < 14) {
        ADD_FAILURE() << "short CSV row: " << line;
        continue;
      }
      csv_row row;
      row.run = std::stoul(cells[0]);
      row.scheduled_s = std::stod(cells[1]);
      if (!cells[3].empty()) {
        row.ttft_ms = std::stod(cells[3]);
      }
      if (!cells[4].empty()) {
        row.tpot_ms = std::stod(cells[4]);
      }
      row.e2el_ms = std::stod(cells[5]);
      row.result = cells[7];
      row.tokens_from = cells[9];
      rows.push_back(row);
    }
    return rows;
  }

  /// Checks the summary of a run that should have gone without any error.
  static void expect_clean_summary(const rapidjson::Value& s) {
    ASSERT_TRUE(s.IsObject());
    EXPECT_GT(s["requests"].GetUint64(), 0u);
    EXPECT_EQ(s["failed"].GetUint64(), 0u);
    EXPECT_EQ(s["completed"].GetUint64(), s["requests"].GetUint64());
    const bool stream = s["stream"].GetBool();
    for (std::string name : {"ttft", "tpot", "e2el"}) {
      if (!stream && name != "e2el") {
        EXPECT_TRUE(s[("median_" + name + "_ms").c_str()].IsNull()) << name;
        continue;
      }
      const auto at = [&s, &name](const char* stat) {
        return s[(std::string{stat} + "_" + name + "_ms").c_str()].GetDouble();
      };
      EXPECT_LE(at("min"), at("median")) << name;
      EXPECT_LE(at("median"), at("p90")) << name;
      EXPECT_LE(at("p90"), at("p99")) << name;
      EXPECT_LE(at("p99"), at("max")) << name;
      EXPECT_EQ(s[(name + "_samples").c_str()].GetUint64(), s["completed"].GetUint64()) << name;
    }
  }

  /// Runs janus-bench and reads its JSON report (an empty object when it failed).
  rapidjson::Document run_json(std::vector<std::string> args, const std::string& name) {
    args.push_back("--json");
    args.push_back(path(name));
    auto r = run(std::move(args));
    EXPECT_EQ(r.exit_code(), 0) << r.output;
    if (r.exit_code() != 0) {
      rapidjson::Document empty;
      empty.SetObject();
      return empty;
    }
    return read_json(path(name));
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "--- last janus-bench output ---\n" << last_output_ << "--- end ---\n";
      if (baseline_) {
        std::cerr << "--- janus-baseline log ---\n" << baseline_->log() << "--- end ---\n";
      }
    }
  }

  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  std::optional<child_process> baseline_;
  int runs_ = 0;
  std::string last_output_;
};

// -- closed loop ------------------------------------------------------------------------------

TEST_F(bench_smoke, a_closed_loop_stream_run_has_no_errors_and_first_tokens_before_the_end) {
  auto target = start_baseline();
  auto r = run({"-c", "4", "-d", "2s", "--stream", "--json", path("s.json"), "--csv",
                path("r.csv"), "-b", R"({"janus_baseline":{"tokens":4,"token_delay_ms":2}})",
                target});
  ASSERT_EQ(r.exit_code(), 0) << r.output;
  EXPECT_LT(r.took, 5s);
  auto s = read_json(path("s.json"));
  expect_clean_summary(s);
  EXPECT_TRUE(s["stream"].GetBool());
  EXPECT_EQ(s["total_output_tokens"].GetUint64(), 4 * s["completed"].GetUint64());
  EXPECT_LT(s["median_ttft_ms"].GetDouble(), s["median_e2el_ms"].GetDouble());
  EXPECT_LT(s["max_ttft_ms"].GetDouble(), s["max_e2el_ms"].GetDouble());
  auto rows = read_csv(path("r.csv"));
  EXPECT_EQ(rows.size(), s["requests"].GetUint64());
  for (const auto& row : rows) {
    ASSERT_TRUE(row.ttft_ms);
    EXPECT_LT(*row.ttft_ms, row.e2el_ms);
    EXPECT_TRUE(row.tpot_ms);
    EXPECT_EQ(row.result, "ok");
    EXPECT_EQ(row.run, 0u);
  }
  EXPECT_NE(r.output.find("errors      none"), std::string::npos) << r.output;
}

TEST_F(bench_smoke, a_closed_loop_whole_answer_run_counts_usage_tokens) {
  auto target = start_baseline();
  auto r = run({"-c", "4", "-d", "2s", "--json", path("s.json"), target});
  ASSERT_EQ(r.exit_code(), 0) << r.output;
  auto s = read_json(path("s.json"));
  expect_clean_summary(s);
  EXPECT_FALSE(s["stream"].GetBool());
  // The baseline answers 16 tokens by default and reports them in usage.
  EXPECT_EQ(s["total_output_tokens"].GetUint64(), 16 * s["completed"].GetUint64());
  EXPECT_EQ(s["output_tokens_from"]["usage"].GetUint64(), s["completed"].GetUint64());
  // A whole answer has no first token apart from its end: only E2EL is measured.
  EXPECT_EQ(s["ttft_samples"].GetUint64(), 0u);
  EXPECT_EQ(s["itl_samples"].GetUint64(), 0u);
  EXPECT_GT(s["median_e2el_ms"].GetDouble(), 0.0);
}

TEST_F(bench_smoke, a_step_profile_sends_nothing_before_its_first_busy_step) {
  auto target = start_baseline();
  auto r = run({"--steps", "0:300ms,2:700ms,0:300ms", "--stream", "--csv", path("r.csv"),
                "--json", path("s.json"), target});
  ASSERT_EQ(r.exit_code(), 0) << r.output;
  EXPECT_GE(r.took, 1200ms);
  auto rows = read_csv(path("r.csv"));
  ASSERT_FALSE(rows.empty());
  for (const auto& row : rows) {
    EXPECT_GE(row.scheduled_s, 0.29);
    EXPECT_LT(row.scheduled_s, 1.01);
  }
  expect_clean_summary(read_json(path("s.json")));
}

// -- open loop --------------------------------------------------------------------------------

TEST_F(bench_smoke, an_open_loop_run_sends_about_rate_times_duration) {
  auto target = start_baseline();
  auto r = run({"--rate", "50", "-d", "2s", "--stream", "--json", path("s.json"), "-b",
                R"({"janus_baseline":{"tokens":8,"token_delay_ms":10}})", target});
  ASSERT_EQ(r.exit_code(), 0) << r.output;
  auto s = read_json(path("s.json"));
  expect_clean_summary(s);
  EXPECT_STREQ(s["mode"].GetString(), "open");
  EXPECT_STREQ(s["arrival"].GetString(), "constant");
  EXPECT_NEAR(static_cast<double>(s["requests"].GetUint64()), 100.0, 5.0);
  EXPECT_NEAR(s["request_throughput"].GetDouble(), 50.0, 10.0);
  // Every answer takes 8 x 10 ms: latencies count from the schedule, not from earlier.
  EXPECT_GE(s["min_e2el_ms"].GetDouble(), 80.0);
}

TEST_F(bench_smoke, a_poisson_open_loop_has_random_gaps_that_the_seed_repeats_exactly) {
  auto target = start_baseline();
  const auto poisson = [&](const char* seed, const char* burstiness, const std::string& name) {
    auto r = run({"--rate", "200", "--arrival", "poisson", "--burstiness", burstiness, "--seed",
                  seed, "-n", "40", "--stream", "--csv", path(name + ".csv"), "--json",
                  path(name + ".json"), target});
    EXPECT_EQ(r.exit_code(), 0) << r.output;
    std::vector<double> due;
    for (const auto& row : read_csv(path(name + ".csv"))) {
      due.push_back(row.scheduled_s);
    }
    return due;
  };
  auto first = poisson("5", "1", "a");
  auto again = poisson("5", "1", "b");
  auto other = poisson("6", "1", "c");
  auto bursty = poisson("5", "0.5", "d");
  ASSERT_EQ(first.size(), 40u);
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  EXPECT_NE(first, bursty);
  EXPECT_EQ(first.front(), 0.0);
  std::set<long> gaps;
  for (std::size_t i = 1; i < first.size(); ++i) {
    gaps.insert(std::lround((first[i] - first[i - 1]) * 1e6));
  }
  EXPECT_GT(gaps.size(), 30u) << "a Poisson schedule has gaps of many lengths";
  auto a = read_json(path("a.json"));
  expect_clean_summary(a);
  EXPECT_STREQ(a["arrival"].GetString(), "poisson");
  EXPECT_EQ(a["seed"].GetUint64(), 5u);
  EXPECT_STREQ(read_json(path("d.json"))["arrival"].GetString(), "gamma");
}

// -- LLM metrics ------------------------------------------------------------------------------

// The baseline waits token_delay_ms before each token, so a first token cannot come before
// 5 ms, nor the end before 8 x 5 ms; the gaps between tokens cluster at 5 ms. The bounds on
// ITL and TPOT are loose enough for a loaded machine and still fail when they measure something
// else (the whole answer, nothing, or the first token).
TEST_F(bench_smoke, token_delays_show_in_ttft_itl_and_tpot_and_usage_gives_the_token_count) {
  auto target = start_baseline();
  auto s = run_json({"-c", "2", "-d", "1s", "--stream", "--max-tokens", "8", "--baseline-tokens",
                     "-b", R"({"janus_baseline":{"token_delay_ms":5}})", target},
                    "s.json");
  expect_clean_summary(s);
  const auto completed = s["completed"].GetUint64();
  ASSERT_GT(completed, 0u);
  EXPECT_EQ(s["total_output_tokens"].GetUint64(), 8 * completed);
  EXPECT_EQ(s["output_tokens_from"]["usage"].GetUint64(), completed);
  EXPECT_TRUE(s["stream_usage"].GetBool());
  EXPECT_EQ(s["itl_samples"].GetUint64(), 7 * completed);
  EXPECT_GE(s["min_ttft_ms"].GetDouble(), 5.0);
  EXPECT_GE(s["min_e2el_ms"].GetDouble(), 40.0);
  EXPECT_GT(s["median_itl_ms"].GetDouble(), 2.5);
  EXPECT_LT(s["median_itl_ms"].GetDouble(), 50.0);
  EXPECT_GT(s["mean_itl_ms"].GetDouble(), 2.5);
  EXPECT_GT(s["median_tpot_ms"].GetDouble(), 2.5);
  EXPECT_LT(s["median_tpot_ms"].GetDouble(), 50.0);
  EXPECT_GT(s["total_input_tokens"].GetUint64(), 0u);

  auto counted = run_json({"-c", "2", "-n", "4", "--stream", "--no-stream-usage", "--max-tokens",
                           "8", "--baseline-tokens", target},
                          "counted.json");
  EXPECT_FALSE(counted["stream_usage"].GetBool());
  EXPECT_EQ(counted["output_tokens_from"]["chunks"].GetUint64(), 4u);
  EXPECT_EQ(counted["total_output_tokens"].GetUint64(), 32u);
}

TEST_F(bench_smoke, goodput_counts_the_completed_requests_within_every_objective) {
  auto target = start_baseline();
  const std::string delays = R"({"janus_baseline":{"tokens":4,"token_delay_ms":5}})";
  // No first token comes before 5 ms: none meets 1 ms.
  auto none = run_json({"-c", "2", "-n", "10", "--stream", "-b", delays, "--slo",
                        "ttft=1ms,e2e=30s", target},
                       "none.json");
  EXPECT_EQ(none["completed"].GetUint64(), 10u);
  EXPECT_EQ(none["good_requests"].GetUint64(), 0u);
  EXPECT_DOUBLE_EQ(none["request_goodput"].GetDouble(), 0.0);
  auto all = run_json({"-c", "2", "-n", "10", "--stream", "-b", delays, "--slo",
                       "ttft=30s,tpot=30s,e2e=30s", target},
                      "all.json");
  EXPECT_EQ(all["good_requests"].GetUint64(), 10u);
  EXPECT_DOUBLE_EQ(all["request_goodput"].GetDouble(), all["request_throughput"].GetDouble());
  EXPECT_DOUBLE_EQ(all["slo"]["tpot_ms"].GetDouble(), 30000.0);
}

// -- sweeps -----------------------------------------------------------------------------------

TEST_F(bench_smoke, a_rate_sweep_runs_a_step_per_rate_with_a_table_json_csv_and_plot) {
  auto target = start_baseline();
  auto r = run({"--sweep", "rate=20,40", "-d", "1s", "--stream", "-b",
                R"({"janus_baseline":{"tokens":4,"token_delay_ms":2}})", "--json",
                path("sweep.json"), "--csv", path("sweep.csv"), "--plot", path("sweep.svg"),
                target});
  const bool have_gnuplot = std::system("command -v gnuplot >/dev/null 2>&1") == 0;
  ASSERT_EQ(r.exit_code(), have_gnuplot ? 0 : 1) << r.output;
  auto doc = read_json(path("sweep.json"));
  EXPECT_STREQ(doc["sweep"]["parameter"].GetString(), "rate");
  ASSERT_EQ(doc["runs"].Size(), 2u);
  for (unsigned i = 0; i < 2; ++i) {
    const auto& step = doc["runs"][i];
    expect_clean_summary(step);
    const double rate = 20.0 * (i + 1);
    EXPECT_DOUBLE_EQ(step["request_rate"].GetDouble(), rate);
    EXPECT_NEAR(static_cast<double>(step["requests"].GetUint64()), rate, 2.0);
  }
  std::size_t in_second = 0;
  for (const auto& row : read_csv(path("sweep.csv"))) {
    in_second += row.run == 1 ? 1 : 0;
  }
  EXPECT_EQ(in_second, doc["runs"][1]["requests"].GetUint64());
  EXPECT_NE(r.output.find("ttft med"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sweep step 2/2: rate 40"), std::string::npos) << r.output;
  if (have_gnuplot) {
    std::ifstream svg{path("sweep.svg")};
    std::string head(2000, '\0');
    svg.read(head.data(), static_cast<std::streamsize>(head.size()));
    EXPECT_NE(head.find("<svg"), std::string::npos) << head;
  }
  EXPECT_TRUE(std::filesystem::exists(path("sweep.gp")));
}

TEST_F(bench_smoke, a_concurrency_sweep_runs_a_closed_loop_per_client_count) {
  auto target = start_baseline();
  auto doc = run_json({"--sweep", "concurrency=1,3", "-n", "12", "--stream", target},
                      "sweep.json");
  EXPECT_STREQ(doc["sweep"]["parameter"].GetString(), "concurrency");
  ASSERT_EQ(doc["runs"].Size(), 2u);
  EXPECT_EQ(doc["runs"][0]["max_concurrency"].GetUint(), 1u);
  EXPECT_EQ(doc["runs"][1]["max_concurrency"].GetUint(), 3u);
  for (const auto& step : doc["runs"].GetArray()) {
    expect_clean_summary(step);
    EXPECT_EQ(step["completed"].GetUint64(), 12u);
  }
}

// -- errors -----------------------------------------------------------------------------------

TEST_F(bench_smoke, failed_answers_are_counted_by_class) {
  auto target = start_baseline();
  auto errors = run({"-c", "2", "-n", "6", "--json", path("e.json"), "-b",
                     R"({"janus_baseline":{"status":503}})", target});
  ASSERT_EQ(errors.exit_code(), 0) << errors.output;
  auto e = read_json(path("e.json"));
  EXPECT_EQ(e["requests"].GetUint64(), 6u);
  EXPECT_EQ(e["errors_by_class"]["http_5xx"].GetUint64(), 6u);

  auto cut = run({"-c", "2", "-n", "4", "--stream", "--json", path("c.json"), "-b",
                  R"({"janus_baseline":{"abort_after_tokens":2}})", target});
  ASSERT_EQ(cut.exit_code(), 0) << cut.output;
  auto c = read_json(path("c.json"));
  EXPECT_EQ(c["errors_by_class"]["stream_error"].GetUint64(), 4u);
  EXPECT_NE(cut.output.find("stream cut"), std::string::npos) << cut.output;
}

TEST_F(bench_smoke, an_unreachable_target_fails_fast_with_the_connect_error) {
  auto nothing = url(free_port());
  auto r = run({"-c", "2", "-d", "10s", "--json", path("s.json"), nothing}, 8s);
  ASSERT_TRUE(r.status) << "janus-bench did not stop";
  EXPECT_EQ(r.exit_code(), 3) << r.output;
  EXPECT_LT(r.took, 3s);
  EXPECT_NE(r.output.find("connect_error"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Connection refused"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no request could connect to " + nothing), std::string::npos)
    << r.output;
  auto s = read_json(path("s.json"));
  EXPECT_EQ(s["completed"].GetUint64(), 0u);
  EXPECT_EQ(s["errors_by_class"]["connect_error"].GetUint64(), s["requests"].GetUint64());
}

TEST_F(bench_smoke, a_bad_flag_is_a_usage_error_naming_it) {
  auto unknown = run({"--bogus"});
  EXPECT_EQ(unknown.exit_code(), 2);
  EXPECT_NE(unknown.output.find("--bogus"), std::string::npos) << unknown.output;
  auto zero = run({"-c", "0", "http://127.0.0.1:1"});
  EXPECT_EQ(zero.exit_code(), 2);
  EXPECT_NE(zero.output.find("--concurrency"), std::string::npos) << zero.output;
}

// -- plot -------------------------------------------------------------------------------------

TEST_F(bench_smoke, a_plot_is_drawn_by_gnuplot_or_its_absence_is_reported) {
  auto target = start_baseline();
  auto r = run({"-c", "2", "-n", "20", "--stream", "--plot", path("ttft.svg"), target});
  const bool have_gnuplot = std::system("command -v gnuplot >/dev/null 2>&1") == 0;
  if (have_gnuplot) {
    ASSERT_EQ(r.exit_code(), 0) << r.output;
    std::ifstream svg{path("ttft.svg")};
    std::string head(2000, '\0');
    svg.read(head.data(), static_cast<std::streamsize>(head.size()));
    EXPECT_NE(head.find("<svg"), std::string::npos) << head;
  } else {
    EXPECT_EQ(r.exit_code(), 1);
    EXPECT_NE(r.output.find("gnuplot is not installed"), std::string::npos) << r.output;
  }
  EXPECT_TRUE(std::filesystem::exists(path("ttft.dat")));
  EXPECT_TRUE(std::filesystem::exists(path("ttft.gp")));
}

} // namespace
} // namespace janus::test
