// Runs the real janus-bench binary against a real janus-baseline on loopback and checks what
// it reports: counts, error classes, percentiles, exit statuses. Every run is short (about
// 2 s at most) and targets 127.0.0.1 only.

#include "tests/support/child_process.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
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
  double scheduled_s = 0;
  std::optional<double> ttft_ms;
  double total_ms = 0;
  std::string result;
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
    doc.Parse(text.str().c_str());
    EXPECT_FALSE(doc.HasParseError()) << file << ":\n" << text.str();
    return doc;
  }

  static std::vector<csv_row> read_csv(const std::string& file) {
    std::ifstream in{file};
    std::string line;
    std::vector<csv_row> rows;
    std::getline(in, line);
    EXPECT_EQ(line, "scheduled_s,start_offset_ms,ttft_ms,total_ms,status,class,tokens,start,model");
    while (std::getline(in, line)) {
      std::vector<std::string> cells;
      std::stringstream fields{line};
      std::string cell;
      while (std::getline(fields, cell, ',')) {
        cells.push_back(cell);
      }
      if (cells.size() < 6) {
        ADD_FAILURE() << "short CSV row: " << line;
        continue;
      }
      csv_row row;
      row.scheduled_s = std::stod(cells[0]);
      if (!cells[2].empty()) {
        row.ttft_ms = std::stod(cells[2]);
      }
      row.total_ms = std::stod(cells[3]);
      row.result = cells[5];
      rows.push_back(row);
    }
    return rows;
  }

  /// Checks the summary of a run that should have gone without any error.
  static void expect_clean_summary(const rapidjson::Document& s) {
    ASSERT_TRUE(s.IsObject());
    EXPECT_GT(s["requests"].GetUint64(), 0u);
    EXPECT_EQ(s["errors"].GetUint64(), 0u);
    EXPECT_EQ(s["ok"].GetUint64(), s["requests"].GetUint64());
    for (const auto* name : {"ttft_ms", "total_ms"}) {
      const auto& l = s[name];
      EXPECT_LE(l["min"].GetDouble(), l["p50"].GetDouble()) << name;
      EXPECT_LE(l["p50"].GetDouble(), l["p90"].GetDouble()) << name;
      EXPECT_LE(l["p90"].GetDouble(), l["p99"].GetDouble()) << name;
      EXPECT_LE(l["p99"].GetDouble(), l["max"].GetDouble()) << name;
      EXPECT_EQ(l["count"].GetUint64(), s["ok"].GetUint64()) << name;
    }
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
  EXPECT_EQ(s["tokens"].GetUint64(), 4 * s["ok"].GetUint64());
  EXPECT_LT(s["ttft_ms"]["p50"].GetDouble(), s["total_ms"]["p50"].GetDouble());
  EXPECT_LT(s["ttft_ms"]["max"].GetDouble(), s["total_ms"]["max"].GetDouble());
  auto rows = read_csv(path("r.csv"));
  EXPECT_EQ(rows.size(), s["requests"].GetUint64());
  for (const auto& row : rows) {
    ASSERT_TRUE(row.ttft_ms);
    EXPECT_LT(*row.ttft_ms, row.total_ms);
    EXPECT_EQ(row.result, "ok");
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
  EXPECT_EQ(s["tokens"].GetUint64(), 16 * s["ok"].GetUint64());
  // A whole answer's first token is the whole answer.
  EXPECT_DOUBLE_EQ(s["ttft_ms"]["p50"].GetDouble(), s["total_ms"]["p50"].GetDouble());
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
  EXPECT_NEAR(static_cast<double>(s["requests"].GetUint64()), 100.0, 5.0);
  EXPECT_NEAR(s["requests_per_s"].GetDouble(), 50.0, 10.0);
  // Every answer takes 8 x 10 ms: latencies count from the schedule, not from earlier.
  EXPECT_GE(s["total_ms"]["min"].GetDouble(), 80.0);
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
  EXPECT_EQ(s["ok"].GetUint64(), 0u);
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
