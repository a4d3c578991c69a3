// Observability of the real janusd: its /metrics after known traffic, its JSON log lines, a
// scrape taken under load checked by promtool, and a real Prometheus server scraping it.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

std::string baseline_model(const std::string& name, const std::string& settings) {
  return "  " + name + ":\n    command: [\"janus-baseline\"]\n"
         + "    env:\n      JANUS_BASELINE_TOKENS: \"4\"\n" + settings;
}

std::string chat(const std::string& model, const std::string& extra = {}) {
  std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}])";
  return body + (extra.empty() ? "" : "," + extra) + "}";
}

/// The path of `name` in PATH; empty when not found.
std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs{path != nullptr ? path : "/usr/bin:/bin"};
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = (dir.empty() ? std::string{"."} : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

/// In CI a missing tool is a failure; elsewhere the test is skipped.
bool ci() {
  const char* value = std::getenv("CI");
  return value != nullptr && std::string{value} == "true";
}

#define REQUIRE_PROGRAM(var, name)                                                              \
  auto var = find_program(name);                                                                \
  if (var.empty()) {                                                                            \
    if (ci()) {                                                                                 \
      FAIL() << name << " is not installed (apt-get install prometheus); CI requires it";       \
    }                                                                                           \
    GTEST_SKIP() << name << " is not installed (apt-get install prometheus)";                   \
  }

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

/// The JSON log lines of a log (janusd's own; its children write plain text to the same file).
std::vector<rapidjson::Document> json_lines(const std::string& log) {
  std::vector<rapidjson::Document> out;
  std::istringstream lines{log};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("{")) {
      rapidjson::Document doc;
      doc.Parse<rapidjson::kParseIterativeFlag>(line.c_str(), line.size());
      if (!doc.HasParseError() && doc.IsObject()) {
        out.push_back(std::move(doc));
      } else {
        ADD_FAILURE() << "not a JSON object: " << line;
      }
    }
  }
  return out;
}

std::string string_field(const rapidjson::Value& doc, const char* key) {
  auto it = doc.FindMember(key);
  return it != doc.MemberEnd() && it->value.IsString() ? it->value.GetString() : std::string{};
}

using observability = janusd_fixture;

// -- /metrics ------------------------------------------------------------------------------

TEST_F(observability, metrics_count_known_traffic_by_model_code_kind_and_reason) {
  // One container only: which container serves, and how warm it is, is then known.
  start(baseline_model("m", "    min_warm: 1\n    max_containers: 1\n"));
  ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("m")).status, 200u);
  ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("m")).status, 200u);
  auto streamed = post_json_streaming(port_, "/v1/chat/completions", chat("m", R"("stream":true)"));
  ASSERT_EQ(streamed.status, 200u);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("client-chosen-name")).status, 404u);
  }
  ASSERT_EQ(post_json(port_, "/v1/chat/completions", "{not json").status, 400u);

  // Metrics are recorded as each answer ends, a moment after the client has it.
  EXPECT_TRUE(eventually(2s, [&] {
    return metric("janus_requests_total", R"(model="m",code="200")") == 3.0
           && metric("janus_requests_total", R"(model="_unknown",code="404")") == 2.0
           && metric("janus_requests_total", R"(model="_unknown",code="400")") == 1.0;
  })) << get(port_, "/metrics").body;
  EXPECT_EQ(metric("janus_rejected_requests_total", R"(model="_unknown",reason="model_not_found")"), 2.0);
  EXPECT_EQ(metric("janus_rejected_requests_total", R"(model="_unknown",reason="invalid_request")"), 1.0);
  EXPECT_EQ(metric("janus_request_starts_total", R"(model="m",kind="prewarmed")"), 1.0);
  EXPECT_EQ(metric("janus_request_starts_total", R"(model="m",kind="warm")"), 2.0);
  EXPECT_EQ(metric("janus_request_starts_total", R"(model="m",kind="cold")"), 0.0);
  EXPECT_EQ(metric("janus_queue_wait_seconds_count", R"(model="m")"), 3.0);
  EXPECT_EQ(metric("janus_request_duration_seconds_count", R"(model="m")"), 3.0);
  EXPECT_EQ(metric("janus_time_to_first_token_seconds_count", R"(model="m")"), 1.0)
    << "only the streamed answer has a first token";
  EXPECT_EQ(metric("janus_upstream_retries_total", R"(model="m")"), 0.0);
  EXPECT_EQ(metric("janus_container_starts_total", R"(model="m",result="ok")"), 1.0);
  EXPECT_EQ(metric("janus_container_start_duration_seconds_count", R"(model="m")"), 1.0);
  EXPECT_EQ(metric("janus_pool_containers", R"(model="m",state="ready")"), 1.0);
  auto page = get(port_, "/metrics");
  EXPECT_EQ(page.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(page.body.find("client-chosen-name"), std::string::npos)
    << "a client's model name must never become a label value";
}

TEST_F(observability, retries_and_the_final_upstream_error_are_counted) {
  start(baseline_model("m", "    min_warm: 2\n    max_containers: 2\n"
                            "    health:\n      interval: 60s\n"),
        "  max_retries: 2\n");
  // Both containers refuse connections: the request never reaches a model, so it is sent again
  // on the other container, then once more, and then answered 502.
  for (auto pid : children_of(janusd_->pid())) {
    auto port = static_cast<std::uint16_t>(std::stoi(environment_of(pid, "PORT")));
    ASSERT_EQ(post_json(port, "/_baseline/stop_listening", "").status, 200u);
  }
  auto failed = post_json(port_, "/v1/chat/completions", chat("m"));
  ASSERT_EQ(failed.status, 502u) << failed.body;
  EXPECT_TRUE(eventually(2s, [&] {
    return metric("janus_requests_total", R"(model="m",code="502")") == 1.0;
  }));
  EXPECT_EQ(metric("janus_upstream_retries_total", R"(model="m")"), 2.0);
  EXPECT_EQ(metric("janus_queue_wait_seconds_count", R"(model="m")"), 3.0) << "one lease per attempt";
}

// -- logs ----------------------------------------------------------------------------------

TEST_F(observability, each_chat_request_logs_one_json_line_with_its_timings) {
  log_yaml_ = "  level: info\n  format: json\n";
  start(baseline_model("m", "    min_warm: 1\n"));
  auto streamed = post_json_streaming(port_, "/v1/chat/completions", chat("m", R"("stream":true)"),
                                      {}, {{"x-request-id", "obs-stream-1"}});
  ASSERT_EQ(streamed.status, 200u);
  ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("nope"), {{"x-request-id", "obs-404"}}).status,
            404u);

  std::vector<rapidjson::Document> lines;
  auto find = [&](const std::string& request_id) -> const rapidjson::Document* {
    for (const auto& doc : lines) {
      if (string_field(doc, "request_id") == request_id) {
        return &doc;
      }
    }
    return nullptr;
  };
  EXPECT_TRUE(eventually(3s, [&] {
    lines = json_lines(janusd_->log());
    return find("obs-stream-1") != nullptr && find("obs-404") != nullptr;
  })) << janusd_->log();

  const auto* ok = find("obs-stream-1");
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(string_field(*ok, "msg"), "chat request");
  EXPECT_EQ(string_field(*ok, "level"), "info");
  EXPECT_FALSE(string_field(*ok, "time").empty());
  EXPECT_EQ(string_field(*ok, "model"), "m");
  EXPECT_EQ((*ok)["status"].GetInt(), 200);
  EXPECT_EQ(string_field(*ok, "outcome"), "ok");
  EXPECT_EQ(string_field(*ok, "container"), streamed.header("x-janus-container"));
  EXPECT_EQ(string_field(*ok, "start"), "prewarmed");
  for (const char* timing : {"queue_ms", "ttft_ms", "total_ms"}) {
    ASSERT_TRUE(ok->HasMember(timing) && (*ok)[timing].IsNumber()) << timing;
  }
  EXPECT_LE((*ok)["ttft_ms"].GetDouble(), (*ok)["total_ms"].GetDouble());

  const auto* refused = find("obs-404");
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ((*refused)["status"].GetInt(), 404);
  EXPECT_EQ(string_field(*refused, "outcome"), "rejected");
  EXPECT_EQ(string_field(*refused, "error"), "model_not_found");

  bool ready_logged = false;
  for (const auto& doc : lines) {
    if (string_field(doc, "msg") == "container ready") {
      ready_logged = string_field(doc, "model") == "m" && !string_field(doc, "container").empty()
                     && doc.HasMember("start_ms");
      // The start's steps: the process runtime's spawn, then the readiness probes.
      for (const char* timing : {"start_ms", "spawn_ms", "ready_ms"}) {
        ASSERT_TRUE(doc.HasMember(timing) && doc[timing].IsNumber()) << timing;
        EXPECT_GE(doc[timing].GetDouble(), 0.0) << timing;
      }
      EXPECT_LE(doc["ready_ms"].GetDouble(), doc["start_ms"].GetDouble());
      ASSERT_TRUE(doc.HasMember("probes") && doc["probes"].IsInt());
      EXPECT_GE(doc["probes"].GetInt(), 1);
    }
  }
  EXPECT_TRUE(ready_logged) << "container lifecycle events carry model, container and timing";
}

TEST_F(observability, janus_log_level_in_the_environment_overrides_the_configured_level) {
  log_yaml_ = "  level: error\n  format: json\n";
  env_["JANUS_LOG_LEVEL"] = "info";
  start(baseline_model("m", "    min_warm: 1\n"));
  ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("m"), {{"x-request-id", "obs-env"}}).status,
            200u);
  EXPECT_TRUE(eventually(3s, [&] {
    return janusd_->log().find(R"("request_id":"obs-env")") != std::string::npos;
  })) << janusd_->log();
}

// -- Prometheus ----------------------------------------------------------------------------

TEST_F(observability, promtool_accepts_a_scrape_taken_under_load) {
  REQUIRE_PROGRAM(promtool, "promtool");
  start(baseline_model("m", "    min_warm: 2\n    max_containers: 3\n    max_concurrency: 2\n"
                            "    queue_limit: 2\n"));
  std::atomic<bool> stop{false};
  std::vector<std::future<void>> load;
  for (int i = 0; i < 4; ++i) {
    load.push_back(std::async(std::launch::async, [&, i] {
      while (!stop) {
        if (i == 0) {
          post_json(port_, "/v1/chat/completions", chat("unknown-model"));
        } else {
          post_json_streaming(port_, "/v1/chat/completions",
                              chat("m", R"("stream":true,"janus_baseline":{"token_delay_ms":20})"));
        }
      }
    }));
  }
  std::this_thread::sleep_for(500ms);
  std::vector<std::string> scrapes;
  for (int i = 0; i < 3; ++i) {
    scrapes.push_back(get(port_, "/metrics").body);
    std::this_thread::sleep_for(150ms);
  }
  stop = true;
  for (auto& f : load) {
    f.get();
  }
  for (std::size_t i = 0; i < scrapes.size(); ++i) {
    ASSERT_NE(scrapes[i].find("janus_pool_inflight_requests"), std::string::npos);
    auto file = dir_ / ("scrape-" + std::to_string(i) + ".txt");
    std::ofstream{file} << scrapes[i];
    child_process check{{"/bin/sh", "-c", promtool + " check metrics < " + file.string()},
                        {},
                        dir_ / ("promtool-" + std::to_string(i) + ".log")};
    auto status = check.wait_for_exit(20s);
    ASSERT_TRUE(status.has_value()) << "promtool did not finish";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << describe_wait_status(*status) << "\n" << check.log() << "\n--- scrape ---\n" << scrapes[i];
  }
}

/// The value of a one-sample instant query, nullopt while Prometheus has no such sample.
std::optional<double> query_value(std::uint16_t prometheus_port, const std::string& query) {
  auto answer = get(prometheus_port, "/api/v1/query?query=" + url_encode(query));
  if (answer.status != 200) {
    return std::nullopt;
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(answer.body.c_str(), answer.body.size());
  if (doc.HasParseError() || string_field(doc, "status") != "success") {
    return std::nullopt;
  }
  const auto& result = doc["data"]["result"];
  if (!result.IsArray() || result.Size() != 1) {
    return std::nullopt;
  }
  return std::stod(result[0]["value"][1].GetString());
}

TEST_F(observability, a_prometheus_server_scrapes_janusd_and_answers_for_its_traffic) {
  REQUIRE_PROGRAM(prometheus_bin, "prometheus");
  start(baseline_model("m", "    min_warm: 2\n    max_containers: 2\n"));
  auto prometheus_port = free_port();
  auto config = dir_ / "prometheus.yml";
  std::ofstream{config} << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                        << "scrape_configs:\n  - job_name: janusd\n    static_configs:\n"
                        << "      - targets: [\"127.0.0.1:" << port_ << "\"]\n";
  std::filesystem::remove_all(dir_ / "tsdb");
  child_process prometheus{{prometheus_bin, "--config.file=" + config.string(),
                            "--storage.tsdb.path=" + (dir_ / "tsdb").string(),
                            "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port),
                            "--log.level=warn"},
                           {},
                           dir_ / "prometheus.log"};
  ASSERT_TRUE(wait_for_http(prometheus_port, "/-/ready", 20s))
    << "prometheus did not start\n" << prometheus.log();

  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("m")).status, 200u);
  }
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(post_json(port_, "/v1/chat/completions", chat("someone-elses-model")).status, 404u);
  }

  std::optional<double> served;
  std::optional<double> refused;
  std::optional<double> ready;
  bool seen = eventually(20s, [&] {
    served = query_value(prometheus_port, R"(janus_requests_total{job="janusd",model="m",code="200"})");
    refused = query_value(prometheus_port, R"(janus_requests_total{job="janusd",model="_unknown",code="404"})");
    ready = query_value(prometheus_port, R"(janus_pool_containers{job="janusd",model="m",state="ready"})");
    return served == 5.0 && refused == 2.0 && ready == 2.0;
  });
  EXPECT_TRUE(seen) << "served " << served.value_or(-1) << ", refused " << refused.value_or(-1)
                    << ", ready " << ready.value_or(-1) << "\n" << prometheus.log();
  EXPECT_EQ(query_value(prometheus_port, R"(up{job="janusd"})"), 1.0);

  prometheus.signal(SIGTERM);
  auto status = prometheus.wait_for_exit(10s);
  EXPECT_TRUE(status.has_value()) << "prometheus did not stop on SIGTERM";
}

} // namespace
} // namespace janus::test
