// The conformance check for real: janus-check (the program) against real janus-baseline
// processes (--url) and real images in the real Docker engine, the two baselines (and the
// Python one when it is built) passing and images broken on purpose (FROM janus-baseline:latest
// with one JANUS_BASELINE_BREAK switch each) failing exactly their rule; and a real janusd with
// admin.require_conformance refusing such a model with 422 and adding a good one.

#include "tests/integration/docker_fixture.hpp"
#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* admin_token = "conformance-admin-token";

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string{ci} == "true";
}

/// What one run of janus-check gave.
struct check_outcome {
  int status = -1;
  std::string output;
  rapidjson::Document report;

  /// The report's failed_rules.
  std::set<std::string> failed() const {
    std::set<std::string> out;
    if (report.IsObject() && report.HasMember("failed_rules")) {
      for (const auto& name : report["failed_rules"].GetArray()) {
        out.insert(name.GetString());
      }
    }
    return out;
  }

  /// The result of `rule` ("pass", "fail", "skip"), "" when absent.
  std::string result_of(const std::string& rule) const {
    return member_of(rule, "result");
  }

  std::string observed(const std::string& rule) const {
    return member_of(rule, "observed");
  }

private:
  std::string member_of(const std::string& rule, const char* field) const {
    if (!report.IsObject() || !report.HasMember("rules")) {
      return {};
    }
    for (const auto& entry : report["rules"].GetArray()) {
      if (entry["rule"].GetString() == rule) {
        return entry[field].GetString();
      }
    }
    return {};
  }
};

/// Runs janus-check with `args` (and --json unless `json` is false) and waits for it.
check_outcome run_janus_check(std::vector<std::string> args, bool json = true,
                              std::chrono::milliseconds timeout = 90s) {
  std::vector<std::string> argv{bin_path("janus-check")};
  if (json) {
    argv.emplace_back("--json");
  }
  argv.insert(argv.end(), args.begin(), args.end());
  static int runs = 0;
  child_process child{argv, {}, test_dir() / ("janus-check-" + std::to_string(++runs) + ".log")};
  check_outcome out;
  auto status = child.wait_for_exit(timeout);
  out.output = child.log();
  if (!status) {
    ADD_FAILURE() << "janus-check did not end within " << timeout.count() << " ms: " << out.output;
    return out;
  }
  out.status = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
  if (json) {
    out.report.Parse<rapidjson::kParseIterativeFlag>(out.output.c_str());
  }
  return out;
}

/// janus-baseline as a local process on a free loopback port, with `env` on top.
child_process start_baseline(std::uint16_t port, std::map<std::string, std::string> env = {}) {
  env["PORT"] = std::to_string(port);
  env["HOST"] = "127.0.0.1";
  child_process baseline{{bin_path("janus-baseline")}, env, test_dir() / "baseline.log"};
  EXPECT_TRUE(wait_for_http(port, "/health", 10s)) << baseline.log();
  return baseline;
}

// -- janus-check --url, against janus-baseline processes --------------------------------------

TEST(janus_check_url, a_baseline_process_passes_and_the_rules_it_cannot_check_say_so) {
  auto port = free_port();
  auto baseline = start_baseline(port);
  auto url = "http://127.0.0.1:" + std::to_string(port);
  auto checked = run_janus_check({"--url", url});
  ASSERT_EQ(checked.status, 0) << checked.output;
  ASSERT_TRUE(checked.report.IsObject()) << checked.output;
  EXPECT_TRUE(checked.report["passed"].GetBool());
  EXPECT_EQ(std::string{checked.report["subject"].GetString()}, url);
  for (const auto* rule : {"health", "chat", "stream", "stream_usage", "models", "errors"}) {
    EXPECT_EQ(checked.result_of(rule), "pass") << rule << ": " << checked.observed(rule);
  }
  for (const auto* rule : {"sigterm", "idle_memory"}) {
    EXPECT_EQ(checked.result_of(rule), "skip") << rule;
    EXPECT_EQ(checked.observed(rule), "skipped: janus-check did not start this server (--url)");
  }
  EXPECT_TRUE(baseline.running()) << "--url starts and stops nothing";
}

TEST(janus_check_url, the_text_report_is_a_table_with_the_verdict_last) {
  auto port = free_port();
  auto baseline = start_baseline(port);
  auto checked = run_janus_check({"--url", "http://127.0.0.1:" + std::to_string(port)}, false);
  ASSERT_EQ(checked.status, 0) << checked.output;
  EXPECT_NE(checked.output.find("\nrule          required  result  observed\n"), std::string::npos)
    << checked.output;
  EXPECT_NE(checked.output.find("\nstream        yes       pass    "), std::string::npos);
  EXPECT_NE(checked.output.find("\npassed: every required rule holds ("), std::string::npos);
}

TEST(janus_check_url, a_baseline_that_never_sends_done_fails_stream_and_stream_usage) {
  auto port = free_port();
  auto baseline = start_baseline(port, {{"JANUS_BASELINE_BREAK", "no_done"}});
  auto checked = run_janus_check({"--url", "http://127.0.0.1:" + std::to_string(port)});
  EXPECT_EQ(checked.status, 1) << checked.output;
  EXPECT_EQ(checked.failed(), (std::set<std::string>{"stream", "stream_usage"})) << checked.output;
  EXPECT_EQ(checked.observed("stream"), "the stream ended without data: [DONE] after 18 chunks");
}

TEST(janus_check_url, a_server_that_does_not_answer_fails_health_within_the_startup_timeout) {
  auto port = free_port(); // nothing listens there
  auto started = std::chrono::steady_clock::now();
  auto checked = run_janus_check(
    {"--url", "http://127.0.0.1:" + std::to_string(port), "--startup-timeout", "1s"});
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(checked.status, 1) << checked.output;
  EXPECT_EQ(checked.failed(), (std::set<std::string>{"health"}));
  EXPECT_EQ(checked.observed("health").rfind("no 200 within 1000 ms (", 0), 0u)
    << checked.observed("health");
  EXPECT_EQ(checked.result_of("chat"), "skip");
  EXPECT_LT(took, 10s);
}

TEST(janus_check_url, usage_errors_exit_2_and_other_addresses_than_loopback_are_refused) {
  auto none = run_janus_check({}, false);
  EXPECT_EQ(none.status, 2) << none.output;
  EXPECT_NE(none.output.find("an IMAGE to check, or --url of a running server, is needed"),
            std::string::npos);
  auto remote = run_janus_check({"--url", "http://192.0.2.1:80"}, false);
  EXPECT_EQ(remote.status, 2) << remote.output;
  EXPECT_NE(remote.output.find("loopback only"), std::string::npos) << remote.output;
  auto help = run_janus_check({"--help"}, false);
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.output.find("usage: janus-check"), std::string::npos);
}

// -- janus-check IMAGE, in the Docker engine -------------------------------------------------

/// The Docker suites: skip (or fail, with CI=true) when no Docker engine answers; the baseline
/// images are built from the binary under test once.
class docker_suite : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    if (!unavailable_.empty() || built_) {
      return;
    }
    auto info = sh("docker info --format '{{.ServerVersion}}'");
    if (info.status != 0) {
      unavailable_ = "no Docker engine answers (`docker info`: " + info.out
                     + "); scripts/test.sh starts dockerd";
      return;
    }
    auto built = sh("JANUS_BASELINE_BIN=" + image_baseline_bin() + " "
                    + std::string{JANUS_SOURCE_DIR} + "/scripts/build-images.sh --no-python");
    if (built.status != 0) {
      unavailable_ = "cannot build the baseline images: " + built.out;
      return;
    }
    built_ = true;
  }

  static void TearDownTestSuite() {
    for (const auto& tag : broken_tags_) {
      sh("docker rmi -f " + tag);
    }
    broken_tags_.clear();
  }

  void SetUp() override {
    if (!unavailable_.empty()) {
      if (in_ci()) {
        FAIL() << "CI=true and the Docker tests cannot run: " << unavailable_;
      }
      GTEST_SKIP() << "Docker tests skipped: " << unavailable_;
    }
  }

  void TearDown() override {
    // janus-check removes what it starts; a leftover is a failure of the test, removed here.
    auto left = check_containers();
    if (!left.empty()) {
      ADD_FAILURE() << "janus-check left containers: " << left;
      sh("docker rm -f " + left);
    }
  }

  /// The containers (any state) that janus-check runs of the images this test built.
  std::string check_containers() {
    std::string ids;
    for (const auto& tag : broken_tags_) {
      auto listed = sh("docker ps -aq --filter label=janus.check=1 --filter ancestor=" + tag);
      if (!listed.out.empty()) {
        ids += (ids.empty() ? "" : " ") + listed.out;
      }
    }
    return ids;
  }

  /// An image FROM janus-baseline:latest with the binary under test and JANUS_BASELINE_BREAK
  /// set to `broken` (the binary is copied in, so the switch is there whoever built :latest).
  /// Built without the layer cache: ctest runs each test in its own process, and one's `docker
  /// rmi` must not delete a cached layer that another's build is using.
  static std::string broken_image(const std::string& broken) {
    auto tag = "janus-check-broken-" + broken + ":" + std::to_string(::getpid());
    auto context = std::filesystem::temp_directory_path() / "janus-tests"
                   / ("broken-image-" + broken + "-" + std::to_string(::getpid()));
    std::filesystem::create_directories(context);
    std::filesystem::copy_file(bin_path("janus-baseline"), context / "janus-baseline",
                               std::filesystem::copy_options::overwrite_existing);
    std::ofstream{context / "Dockerfile"} << "FROM janus-baseline:latest\n"
                                             "COPY janus-baseline /janus-baseline\n"
                                             "ENV JANUS_BASELINE_BREAK="
                                          << broken << "\n";
    auto built = sh("DOCKER_BUILDKIT=0 docker build --quiet --no-cache --tag " + tag + " " + context.string());
    std::filesystem::remove_all(context);
    EXPECT_EQ(built.status, 0) << built.out;
    broken_tags_.insert(tag);
    return tag;
  }

  /// Checks the image broken with `broken` and expects exactly `rules` to fail.
  void expect_only_failures(const std::string& broken, const std::set<std::string>& rules,
                            std::vector<std::string> extra = {}) {
    auto image = broken_image(broken);
    extra.push_back(image);
    auto checked = run_janus_check(extra);
    EXPECT_EQ(checked.status, 1) << checked.output;
    EXPECT_EQ(checked.failed(), rules) << checked.output;
    for (const auto& rule : rules) {
      std::cout << "[ observed ] " << broken << " fails " << rule << ": "
                << checked.observed(rule) << std::endl;
    }
  }

  static inline std::string unavailable_;
  static inline bool built_ = false;
  static inline std::set<std::string> broken_tags_;
};

class janus_check_docker : public docker_suite {};

TEST_F(janus_check_docker, both_baselines_pass_every_rule_with_their_figures) {
  for (const auto* image : {"janus-baseline:latest", "janus-baseline-terse:latest"}) {
    auto checked = run_janus_check({image});
    ASSERT_EQ(checked.status, 0) << checked.output;
    ASSERT_TRUE(checked.report.IsObject()) << checked.output;
    EXPECT_TRUE(checked.report["passed"].GetBool());
    for (const auto* rule : {"health", "chat", "stream", "stream_usage", "models", "errors",
                             "sigterm", "idle_memory"}) {
      EXPECT_EQ(checked.result_of(rule), "pass") << image << " " << rule << ": "
                                                 << checked.observed(rule);
      std::cout << "[ observed ] " << image << " " << rule << ": " << checked.observed(rule)
                << std::endl;
    }
    EXPECT_TRUE(checked.report["boot_ms"].IsInt64());
    EXPECT_TRUE(checked.report["sigterm_ms"].IsInt64());
    EXPECT_GT(checked.report["idle_memory_bytes"].GetUint64(), 0u);
    EXPECT_EQ(checked.report["memory_limit_bytes"].GetUint64(), 512ull << 20);
    std::cout << "[ observed ] " << image << ": boot " << checked.report["boot_ms"].GetInt64()
              << " ms, check " << checked.report["took_ms"].GetInt64() << " ms" << std::endl;
  }
}

TEST_F(janus_check_docker, the_image_runs_isolated_as_janusd_runs_it_unless_bridge_is_asked) {
  auto image = broken_image("slow_boot");
  for (std::string network : {"isolated", "bridge"}) {
    child_process check{{bin_path("janus-check"), "--startup-timeout", "60s", "--network",
                         network, image},
                        {},
                        test_dir() / ("janus-check-" + network + ".log")};
    std::string running;
    ASSERT_TRUE(eventually(20s, [&] {
      running = sh("docker ps -q --filter label=janus.check=1 --filter ancestor=" + image).out;
      return !running.empty();
    })) << check.log();
    auto mode = sh("docker inspect --format '{{.HostConfig.NetworkMode}}' " + running).out;
    auto ports = sh("docker inspect --format '{{json .HostConfig.PortBindings}}' " + running).out;
    auto pid = sh("docker inspect --format '{{.State.Pid}}' " + running).out;
    // /proc/<pid>/net/dev lists the interfaces of the process's network namespace.
    auto interfaces = sh("tail -n +3 /proc/" + pid + "/net/dev | cut -d: -f1 | tr -d ' '").out;
    auto env = sh("docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' " + running)
                 .out;
    if (network == "isolated") {
      EXPECT_EQ(mode, "none");
      EXPECT_EQ(interfaces, "lo") << "no interface but the container's own loopback";
      EXPECT_TRUE(ports == "null" || ports == "{}") << "nothing published on the host: " << ports;
      EXPECT_NE(env.find("JANUS_PLATFORM_URL=http://127.0.0.1:9000"), std::string::npos)
        << "its own platform endpoint, as janusd gives one: " << env;
    } else {
      EXPECT_NE(mode, "none");
      EXPECT_NE(interfaces.find("eth0"), std::string::npos) << interfaces;
    }
    check.signal(SIGTERM);
    ASSERT_TRUE(check.wait_for_exit(40s)) << check.log();
    EXPECT_EQ(sh("docker ps -aq --filter id=" + running).out, "") << "the container is removed";
  }
  auto checked = run_janus_check({"janus-baseline:latest"});
  ASSERT_EQ(checked.status, 0) << checked.output;
  EXPECT_NE(std::string{checked.report["runner"].GetString()}.find("isolated"), std::string::npos)
    << checked.output;
}

TEST_F(janus_check_docker, the_python_baseline_passes_when_it_is_built) {
  if (sh("docker image inspect janus-python-baseline:latest").status != 0) {
    GTEST_SKIP() << "janus-python-baseline:latest is not built (scripts/build-images.sh builds "
                    "it; its first build needs debootstrap and a Debian mirror, so this suite "
                    "builds only the C++ baselines)";
  }
  auto checked = run_janus_check({"janus-python-baseline:latest"});
  EXPECT_EQ(checked.status, 0) << checked.output;
  EXPECT_TRUE(checked.failed().empty()) << checked.output;
  std::cout << "[ observed ] janus-python-baseline:latest: boot "
            << (checked.report.IsObject() && checked.report["boot_ms"].IsInt64()
                  ? checked.report["boot_ms"].GetInt64()
                  : -1)
            << " ms, idle memory " << checked.observed("idle_memory") << std::endl;
}

TEST_F(janus_check_docker, an_image_whose_stream_lacks_done_fails_stream_and_stream_usage) {
  expect_only_failures("no_done", {"stream", "stream_usage"});
}

TEST_F(janus_check_docker, an_image_with_the_wrong_chunk_object_fails_stream_and_stream_usage) {
  expect_only_failures("wrong_chunk_object", {"stream", "stream_usage"});
}

TEST_F(janus_check_docker, an_image_that_ignores_include_usage_fails_stream_usage) {
  expect_only_failures("no_usage", {"stream_usage"});
}

TEST_F(janus_check_docker, an_image_whose_answers_lack_usage_fails_chat) {
  expect_only_failures("chat_no_usage", {"chat"});
}

TEST_F(janus_check_docker, an_image_whose_models_are_not_openais_list_fails_models) {
  expect_only_failures("models_not_list", {"models"});
}

TEST_F(janus_check_docker, an_image_that_answers_a_malformed_body_with_500_fails_errors) {
  expect_only_failures("error_500", {"errors"});
}

TEST_F(janus_check_docker, an_image_that_boots_too_slowly_fails_health_and_is_still_stopped) {
  expect_only_failures("slow_boot", {"health"}, {"--startup-timeout", "2s"});
}

TEST_F(janus_check_docker, an_image_that_ignores_sigterm_fails_sigterm_after_the_grace_period) {
  auto started = std::chrono::steady_clock::now();
  expect_only_failures("ignore_sigterm", {"sigterm"}, {"--stop-grace", "1s"});
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST_F(janus_check_docker, a_maximum_idle_memory_makes_idle_memory_a_required_rule) {
  auto image = broken_image("no_done");
  auto checked = run_janus_check({"--max-idle-memory", "1KiB", image});
  EXPECT_EQ(checked.status, 1);
  EXPECT_EQ(checked.failed(), (std::set<std::string>{"stream", "stream_usage", "idle_memory"}))
    << checked.output;
  EXPECT_NE(checked.observed("idle_memory").find("over the maximum of 1.0 KiB"), std::string::npos);
}

TEST_F(janus_check_docker, a_missing_image_or_an_unreachable_engine_exits_3) {
  auto missing = run_janus_check({"janus-check-no-such-image:never"});
  EXPECT_EQ(missing.status, 3) << missing.output;
  EXPECT_NE(std::string{missing.report["error"].GetString()}.find("is not in the Docker engine"),
            std::string::npos);
  auto nowhere = run_janus_check(
    {"--docker-socket", (test_dir() / "no-docker.sock").string(), "janus-baseline:latest"});
  EXPECT_EQ(nowhere.status, 3) << nowhere.output;
  EXPECT_NE(std::string{nowhere.report["error"].GetString()}.find("no Docker engine answers"),
            std::string::npos);
}

TEST_F(janus_check_docker, sigterm_to_janus_check_mid_check_removes_its_container) {
  auto image = broken_image("slow_boot");
  child_process check{{bin_path("janus-check"), "--startup-timeout", "60s", image}, {},
                      test_dir() / "janus-check.log"};
  std::string running;
  ASSERT_TRUE(eventually(20s, [&] {
    running = sh("docker ps -q --filter label=janus.check=1 --filter ancestor=" + image).out;
    return !running.empty();
  })) << check.log();
  check.signal(SIGTERM);
  auto status = check.wait_for_exit(40s);
  ASSERT_TRUE(status) << check.log();
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 128 + SIGTERM) << check.log();
  EXPECT_NE(check.log().find("interrupted by TERM"), std::string::npos) << check.log();
  EXPECT_EQ(sh("docker ps -aq --filter id=" + running).out, "") << "the container is removed";
}

// -- admin.require_conformance through a real janusd -----------------------------------------

/// The admin section: the token, process models allowed (admin.limits.allow_command), and the
/// conformance check when `conformance`.
std::string admin_yaml(bool conformance = true) {
  return std::string{"admin:\n  token: \""} + admin_token + "\"\n  limits:\n    allow_command: true\n"
         + (conformance ? "  require_conformance: true\n  conformance_request_timeout: 5s\n" : "");
}

header_map admin_auth() {
  return {{"Authorization", std::string{"Bearer "} + admin_token},
          {"Content-Type", "application/json"}};
}

http_result add_model(std::uint16_t port, const std::string& body) {
  http_client client{port, 120s};
  return client.request("POST", "/admin/models", body, admin_auth());
}

bool serves_model(std::uint16_t port, const std::string& model) {
  auto listed = get(port, "/v1/models");
  return listed.body.find("\"" + model + "\"") != std::string::npos;
}

class conformance_admin : public janusd_fixture {};

TEST_F(conformance_admin, a_process_model_that_breaks_the_contract_is_refused_with_422_naming_it) {
  top_level_yaml_ = admin_yaml();
  start("  baseline:\n    command: [\"janus-baseline\"]\n    min_warm: 1\n");
  auto before = model_processes();
  auto refused = add_model(port_, R"({"name":"broken","command":["janus-baseline"],)"
                                  R"("env":{"JANUS_BASELINE_BREAK":"no_done"}})");
  EXPECT_EQ(refused.status, 422u) << refused.body;
  EXPECT_NE(refused.body.find(R"("code":"conformance_failed")"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("fails the Janus container contract: stream (the stream ended "
                              "without data: [DONE]"),
            std::string::npos)
    << refused.body;
  EXPECT_NE(refused.body.find("stream_usage ("), std::string::npos) << refused.body;
  EXPECT_FALSE(serves_model(port_, "broken"));
  EXPECT_TRUE(eventually(5s, [&] { return model_processes() == before; }))
    << "the check's child is gone";
  EXPECT_TRUE(eventually(2s, [&] {
    return janusd_->log().find("conformance check done") != std::string::npos;
  }));
}

TEST_F(conformance_admin, a_process_model_that_holds_the_contract_is_checked_then_added) {
  top_level_yaml_ = admin_yaml();
  start("  baseline:\n    command: [\"janus-baseline\"]\n    min_warm: 1\n");
  auto added = add_model(port_, R"({"name":"good","command":["janus-baseline"],"min_warm":1})");
  ASSERT_EQ(added.status, 201u) << added.body;
  EXPECT_TRUE(serves_model(port_, "good"));
  auto answer = post_json(port_, "/v1/chat/completions",
                          R"({"model":"good","messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(answer.status, 200u) << answer.body;
  auto again = add_model(port_, R"({"name":"good","command":["janus-baseline"]})");
  EXPECT_EQ(again.status, 409u) << "an existing name is refused before any check";
  EXPECT_TRUE(eventually(2s, [&] {
    auto log = janusd_->log();
    return log.find("conformance check done") != std::string::npos
           && log.find("passed=true") != std::string::npos;
  })) << janusd_->log();
}

TEST_F(conformance_admin, without_require_conformance_a_broken_model_is_added_as_before) {
  top_level_yaml_ = admin_yaml(false);
  start("  baseline:\n    command: [\"janus-baseline\"]\n    min_warm: 1\n");
  auto added = add_model(port_, R"({"name":"broken","command":["janus-baseline"],)"
                                R"("env":{"JANUS_BASELINE_BREAK":"no_done"}})");
  EXPECT_EQ(added.status, 201u) << added.body;
}

class conformance_admin_docker : public janusd_fixture {
protected:
  void SetUp() override {
    auto info = sh("docker info --format '{{.ServerVersion}}'");
    if (info.status != 0) {
      if (in_ci()) {
        FAIL() << "CI=true and the Docker tests cannot run: no Docker engine answers";
      }
      GTEST_SKIP() << "Docker tests skipped: no Docker engine answers (" << info.out << ")";
    }
    auto built = sh("JANUS_BASELINE_BIN=" + image_baseline_bin() + " "
                    + std::string{JANUS_SOURCE_DIR} + "/scripts/build-images.sh --no-python");
    ASSERT_EQ(built.status, 0) << built.out;
    engine_id_ = "jt-conformance-" + std::to_string(::getpid());
  }

  void TearDown() override {
    janusd_fixture::TearDown();
    if (janusd_ && janusd_->running()) {
      janusd_->signal(SIGTERM);
      janusd_->wait_for_exit(30s);
    }
    janusd_.reset();
    if (!engine_id_.empty()) {
      sh("docker ps -aq --filter label=janus.engine=" + engine_id_ + " | xargs -r docker rm -f");
    }
    if (!image_.empty()) {
      sh("docker rmi -f " + image_);
    }
  }

  std::string engine_id_;
  std::string image_;
};

TEST_F(conformance_admin_docker, an_image_that_ignores_sigterm_is_refused_and_a_good_one_added) {
  auto context = test_dir() / "image";
  std::filesystem::create_directories(context);
  std::filesystem::copy_file(bin_path("janus-baseline"), context / "janus-baseline",
                             std::filesystem::copy_options::overwrite_existing);
  std::ofstream{context / "Dockerfile"} << "FROM janus-baseline:latest\n"
                                           "COPY janus-baseline /janus-baseline\n"
                                           "ENV JANUS_BASELINE_BREAK=ignore_sigterm\n";
  image_ = "janus-check-admin-ignore-sigterm:" + std::to_string(::getpid());
  auto built = sh("DOCKER_BUILDKIT=0 docker build --quiet --no-cache --tag " + image_ + " " + context.string());
  ASSERT_EQ(built.status, 0) << built.out;

  top_level_yaml_ = "runtime: docker\ndocker:\n  engine_id: " + engine_id_ + "\n" + admin_yaml();
  start("  baseline:\n    image: janus-baseline:latest\n    min_warm: 1\n");
  auto refused = add_model(port_, R"({"name":"deaf","image":")" + image_
                                    + R"(","stop_grace":"1s"})");
  EXPECT_EQ(refused.status, 422u) << refused.body;
  EXPECT_NE(refused.body.find("fails the Janus container contract: sigterm (killed (status 137) "
                              "after the 1 s grace period"),
            std::string::npos)
    << refused.body;
  EXPECT_FALSE(serves_model(port_, "deaf"));
  EXPECT_EQ(sh("docker ps -aq --filter label=janus.check=1 --filter ancestor=" + image_).out, "")
    << "the check's container is removed";

  auto added = add_model(port_, R"({"name":"terse","image":"janus-baseline-terse:latest"})");
  EXPECT_EQ(added.status, 201u) << added.body;
  EXPECT_TRUE(serves_model(port_, "terse"));
  // pull: never: the image is not looked for in a registry (Docker Hub is no loopback address).
  auto missing = add_model(port_, R"({"name":"ghost","image":"janus-check-no-such-image:never",)"
                                  R"("pull":"never"})");
  EXPECT_EQ(missing.status, 422u) << missing.body;
  EXPECT_NE(missing.body.find("is not in the Docker engine"), std::string::npos) << missing.body;
}

} // namespace
} // namespace janus::test
