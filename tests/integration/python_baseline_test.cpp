// The Python baseline image (deploy/python-baseline: FastAPI on uvicorn on Debian) against the
// real Docker engine: janusd starts it cold with its default hardening, waits out its boot of
// seconds and relays streamed and whole answers that equal, byte for byte, what the C++
// janus-baseline answers to the same bodies; run alone with the same hardening, its other
// endpoints answer as janus-baseline's do and SIGTERM stops it at once with status 0. Each test
// owns the containers labelled with its own engine id and removes them at its start and end.

#include "tests/integration/docker_fixture.hpp"
#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace janus::test {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr std::string_view image = "janus-python-baseline:latest";
constexpr std::string_view created = "1700000000";

long long millis(clock_type::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/// The value of `key=` in a text log line ("" when absent).
/// A janus field of a streamed answer: its header, or, when the stream waited longer than
/// server.sse_keepalive and got its head early, the stream's `: <name>: <value>` comment.
std::string janus_field(const stream_result& result, const std::string& name) {
  if (auto value = result.header(name); !value.empty()) {
    return value;
  }
  auto prefix = ": " + name + ": ";
  auto at = result.body.find(prefix);
  if (at == std::string::npos) {
    return "";
  }
  at += prefix.size();
  return result.body.substr(at, result.body.find('\n', at) - at);
}

std::string log_field(const std::string& line, const std::string& key) {
  auto at = line.find(" " + key + "=");
  if (at == std::string::npos) {
    return {};
  }
  at += key.size() + 2;
  return line.substr(at, line.find_first_of(" \n", at) - at);
}

/// Docker tests of the Python image, built once per suite by scripts/build-images.sh (seconds
/// once its base image is cached; the first build on a machine runs debootstrap, which the
/// ctest timeout of this test allows for). Skips without a Docker engine, fails with CI=true.
/// Each test also runs the C++ janus-baseline as a local process, the reference for answers.
class python_baseline : public janusd_fixture {
protected:
  static void SetUpTestSuite() {
    auto info = sh("docker info --format '{{.ServerVersion}}'");
    if (info.status != 0) {
      unavailable_ = "no Docker engine answers (`docker info`: " + info.out
                     + "); scripts/test.sh starts dockerd";
      return;
    }
    auto built = sh("JANUS_BASELINE_BIN=" + image_baseline_bin() + " "
                    + std::string{JANUS_SOURCE_DIR} + "/scripts/build-images.sh");
    if (built.status != 0) {
      unavailable_ = "cannot build the images: " + built.out;
    }
  }

  void SetUp() override {
    if (!unavailable_.empty()) {
      if (const char* ci = std::getenv("CI"); ci != nullptr && std::string{ci} == "true") {
        FAIL() << "CI=true and the Docker tests cannot run: " << unavailable_;
      }
      GTEST_SKIP() << "Docker tests skipped: " << unavailable_;
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    engine_id_ = "jt-" + std::string{info->name()}.substr(0, 56);
    remove_all();
    reference_port_ = free_port();
    reference_.emplace(std::vector<std::string>{bin_path("janus-baseline")},
                       std::map<std::string, std::string>{
                         {"PORT", std::to_string(reference_port_)},
                         {"HOST", "127.0.0.1"},
                         {"JANUS_BASELINE_CREATED", std::string{created}}},
                       std::filesystem::temp_directory_path() / "janus-tests"
                         / (std::string{info->name()} + ".reference.log"));
    ASSERT_TRUE(wait_for_http(reference_port_, "/health", 10s)) << "janus-baseline did not start";
  }

  void TearDown() override {
    janusd_fixture::TearDown();
    if (HasFailure() && !engine_id_.empty()) {
      std::cerr << "--- containers of " << engine_id_ << " ---\n"
                << sh("docker ps -a --filter label=janus.engine=" + engine_id_).out << "\n";
    }
    if (janusd_ && janusd_->running()) {
      janusd_->signal(SIGTERM);
      janusd_->wait_for_exit(30s);
    }
    janusd_.reset();
    if (!engine_id_.empty()) {
      remove_all();
    }
  }

  void remove_all() {
    sh("docker ps -aq --filter label=janus.engine=" + engine_id_ + " | xargs -r docker rm -f");
  }

  /// The ids of this test's running containers.
  std::vector<std::string> containers() {
    std::istringstream ids{sh("docker ps -q --filter label=janus.engine=" + engine_id_).out};
    std::vector<std::string> out;
    for (std::string id; ids >> id;) {
      out.push_back(id);
    }
    return out;
  }

  static std::string inspect(const std::string& id, const std::string& format) {
    return sh("docker inspect --format '" + format + "' " + id).out;
  }

  /// The first line of janusd's log holding `needle`, waiting for it (the log is batched).
  std::string log_line(const std::string& needle, std::chrono::milliseconds timeout) {
    std::string line;
    eventually(timeout, [&] {
      auto log = janusd_->log();
      auto at = log.find(needle);
      if (at == std::string::npos) {
        return false;
      }
      auto begin = log.rfind('\n', at);
      begin = begin == std::string::npos ? 0 : begin + 1;
      line = log.substr(begin, log.find('\n', at) - begin);
      return true;
    });
    return line;
  }

  std::string engine_id_;
  std::uint16_t reference_port_ = 0;
  std::optional<child_process> reference_;
  static inline std::string unavailable_;
};

TEST_F(python_baseline, janusd_boots_it_cold_and_relays_its_answers_byte_for_byte_as_janus_baseline_gives_them) {
  log_yaml_ = "  level: info\n";
  top_level_yaml_ = "runtime: docker\ndocker:\n  engine_id: " + engine_id_ + "\n";
  start("  py:\n    image: " + std::string{image} + "\n    env:\n      JANUS_BASELINE_CREATED: \""
        + std::string{created} + "\"\n    min_warm: 0\n    max_containers: 1\n"
        + "    startup_timeout: 60s\n    stop_grace: 10s\n");
  ASSERT_TRUE(containers().empty()) << "min_warm 0: nothing runs before the first request";

  // Cold: janusd creates and starts the container, probes /health while uvicorn imports
  // FastAPI, then relays the stream.
  auto streamed = chat("py", "hello warm pool",
                       R"("stream":true,"stream_options":{"include_usage":true})");
  stream_options wait_long;
  wait_long.timeout = 60s;
  auto cold = post_json_streaming(port_, "/v1/chat/completions", streamed, wait_long);
  ASSERT_EQ(cold.status, 200u) << cold.body;
  EXPECT_EQ(janus_field(cold, "x-janus-start"), "cold");
  EXPECT_EQ(cold.header("content-type").rfind("text/event-stream", 0), 0u)
    << cold.header("content-type");
  EXPECT_TRUE(cold.complete) << cold.error;
  ASSERT_FALSE(cold.frames.empty());
  auto ready = log_line("container ready", 3s);
  std::cout << "python baseline cold start through janusd: first frame after "
            << millis(cold.frames.front().at - cold.sent_at) << " ms, whole answer after "
            << millis(cold.pieces.back().at - cold.sent_at) << " ms (janusd: start_ms="
            << log_field(ready, "start_ms") << " ready_ms=" << log_field(ready, "ready_ms")
            << " probes=" << log_field(ready, "probes") << ")" << std::endl;
  RecordProperty("cold_start_first_frame_ms",
                 std::to_string(millis(cold.frames.front().at - cold.sent_at)));

  // Its shape: the role first, 16 tokens, the finish reason last, usage, [DONE].
  auto data = sse_data_lines(cold.body);
  ASSERT_EQ(data.size(), 20u) << cold.body;
  EXPECT_NE(data.front().find(R"("delta":{"role":"assistant","content":""})"), std::string::npos)
    << data.front();
  EXPECT_NE(data[1].find(R"("delta":{"content":"hello "})"), std::string::npos) << data[1];
  EXPECT_NE(data[17].find(R"("delta":{},"logprobs":null,"finish_reason":"stop")"),
            std::string::npos) << data[17];
  EXPECT_NE(data[18].find(R"("choices":[],"usage":{"prompt_tokens":3,"completion_tokens":16,)"
                          R"("total_tokens":19})"),
            std::string::npos) << data[18];
  EXPECT_EQ(data.back(), "[DONE]");
  auto reference = post_json_streaming(reference_port_, "/v1/chat/completions", streamed);
  EXPECT_EQ(cold.body, reference.body) << "the C++ baseline's answer to the same body";

  // Warm, not streamed.
  auto whole_body = chat("py", "one two three", R"("janus_baseline":{"tokens":5})");
  auto whole = post_json(port_, "/v1/chat/completions", whole_body);
  ASSERT_EQ(whole.status, 200u) << whole.body;
  EXPECT_EQ(whole.header("x-janus-start"), "warm");
  EXPECT_EQ(whole.header("content-type"), "application/json");
  EXPECT_NE(whole.body.find(R"("object":"chat.completion","created":1700000000,"model":"py",)"
                            R"("choices":[{"index":0,"message":{"role":"assistant","content":)"
                            R"("one two three one two"},"logprobs":null,"finish_reason":"stop"}],)"
                            R"("usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}})"),
            std::string::npos) << whole.body;
  EXPECT_EQ(whole.body, post_json(reference_port_, "/v1/chat/completions", whole_body).body);

  // It ran as janusd runs every container: nobody, read-only root, no capabilities, limits.
  auto running = containers();
  ASSERT_EQ(running.size(), 1u);
  const auto& id = running.front();
  EXPECT_EQ(inspect(id, "{{.Config.User}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Init}}"),
            "65534:65534 true true");
  EXPECT_EQ(inspect(id, "{{json .HostConfig.CapDrop}} {{json .HostConfig.SecurityOpt}}"),
            R"(["ALL"] ["no-new-privileges"])");
  EXPECT_EQ(inspect(id, "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}"), "536870912 256");

  // SIGTERM to janusd: uvicorn gets SIGTERM from docker stop, finishes and exits 0.
  janusd_->signal(SIGTERM);
  auto status = janusd_->wait_for_exit(30s);
  ASSERT_TRUE(status) << "janusd did not exit";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_wait_status(*status);
  auto stopped = log_line("container stopped", 1s);
  EXPECT_NE(stopped.find("exited with status 0"), std::string::npos) << stopped;
}

TEST_F(python_baseline, run_hardened_on_its_own_it_answers_every_endpoint_as_janus_baseline_does) {
  // What janusd asks of the engine, by hand: a read-only root with a tmpfs /tmp, no
  // capabilities, no-new-privileges, 256 pids, 512 MiB, no init (uvicorn is PID 1).
  auto run = sh("docker run -d --label janus.engine=" + engine_id_
                + " --read-only --tmpfs /tmp:rw,nosuid,nodev,size=64m --cap-drop ALL"
                + " --security-opt no-new-privileges --pids-limit 256 --memory 512m"
                + " --memory-swap 512m -p 127.0.0.1::8080 -e JANUS_BASELINE_CREATED="
                + std::string{created} + " " + std::string{image});
  ASSERT_EQ(run.status, 0) << run.out;
  const auto id = run.out;
  auto published = sh("docker port " + id + " 8080/tcp").out;
  auto colon = published.find(':');
  ASSERT_NE(colon, std::string::npos) << published;
  auto port = static_cast<std::uint16_t>(std::stoi(published.substr(colon + 1)));
  auto started = clock_type::now();
  ASSERT_TRUE(wait_for_http(port, "/health", 60s)) << sh("docker logs " + id).out;
  std::cout << "python baseline: docker run to first healthy /health: "
            << millis(clock_type::now() - started) << " ms (after the run call)" << std::endl;

  struct exchange {
    std::string method;
    std::string target;
    std::string body;
  };
  const std::vector<exchange> exchanges{
    {"GET", "/health", ""},
    {"GET", "/v1/models", ""},
    {"GET", "/nowhere?x=1", ""},
    {"GET", "/v1/chat/completions", ""},
    {"POST", "/v1/chat/completions", R"({"messages":[]})"},
    {"POST", "/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"stream":1})"},
    {"POST", "/v1/chat/completions", "{not json"},
    {"POST", "/v1/chat/completions",
     R"({"messages":[{"role":"user","content":"x"}],"janus_baseline":{"tokens":-1}})"},
    {"POST", "/v1/chat/completions",
     R"({"messages":[{"role":"user","content":"x"}],"janus_baseline":{"status":503}})"},
    {"POST", "/v1/chat/completions",
     R"({"messages":[{"role":"system","content":"be brief"},{"role":"user","content":)"
     R"([{"type":"text","text":"caf\u00e9 \"q\" \u001f"},{"type":"image_url"}]}],)"
     R"("janus_baseline":{"tokens":7}})"},
    {"POST", "/v1/chat/completions", std::string(1024 * 1024 + 1, ' ')},
    {"POST", "/_baseline/health", R"({"healthy":false})"},
    {"GET", "/health", ""},
    {"POST", "/_baseline/health", R"({"healthy":"no"})"},
    {"POST", "/_baseline/health", R"({"healthy":true})"},
  };
  for (const auto& e : exchanges) {
    http_client python{port};
    http_client cpp{reference_port_};
    auto got = python.request(e.method, e.target, e.body, {{"content-type", "application/json"}});
    auto want = cpp.request(e.method, e.target, e.body, {{"content-type", "application/json"}});
    const auto what = e.method + " " + e.target + " " + e.body.substr(0, 80);
    EXPECT_EQ(got.status, want.status) << what;
    EXPECT_EQ(got.header("allow"), want.header("allow")) << what;
    if (want.body.find("invalid_json") != std::string::npos) {
      // The parsers word their errors differently; the kind is the same.
      EXPECT_NE(got.body.find(R"("code":"invalid_json")"), std::string::npos) << got.body;
    } else {
      EXPECT_EQ(got.body, want.body) << what;
    }
  }

  // A simulated crash cuts the stream after 2 tokens: no finish frame, no [DONE].
  auto crash = chat("m", "a b c", R"("stream":true,"janus_baseline":{"abort_after_tokens":2})");
  auto cut = post_json_streaming(port, "/v1/chat/completions", crash);
  auto cut_reference = post_json_streaming(reference_port_, "/v1/chat/completions", crash);
  EXPECT_EQ(cut.status, 200u);
  EXPECT_FALSE(cut.complete);
  EXPECT_EQ(cut.body, cut_reference.body);
  EXPECT_EQ(sse_data_lines(cut.body).size(), 3u) << cut.body;

  // Token delays: 5 tokens 100 ms apart take half a second, streamed or not.
  auto slow = chat("m", "slow", R"("janus_baseline":{"tokens":5,"token_delay_ms":100})");
  auto before = clock_type::now();
  EXPECT_EQ(post_json(port, "/v1/chat/completions", slow).status, 200u);
  EXPECT_GE(clock_type::now() - before, 500ms);

  // Docker's own HEALTHCHECK (its first run is one interval, 10 s, after the start).
  EXPECT_TRUE(eventually(40s, [&] { return inspect(id, "{{.State.Health.Status}}") == "healthy"; }))
    << inspect(id, "{{json .State.Health}}");

  auto stop_asked = clock_type::now();
  ASSERT_EQ(sh("docker stop -t 20 " + id).status, 0);
  EXPECT_LT(clock_type::now() - stop_asked, 10s) << "SIGTERM, not the kill after 20 s";
  EXPECT_EQ(inspect(id, "{{.State.ExitCode}}"), "0") << sh("docker logs " + id).out;
}

} // namespace
} // namespace janus::test
