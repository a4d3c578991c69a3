// Docker containers' output in janusd's log, with the real parts: janusd with the Docker
// runtime, the real Docker engine and the janus-baseline image (JANUS_BASELINE_NOISE_LINES
// prints lines before it listens, JANUS_BASELINE_LOG_REQUESTS one per request), the admin API
// and /metrics. Isolated containers (janus-init, NetworkMode none) unless a test says bridge.

#include "tests/integration/docker_fixture.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <csignal>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* admin_token = "docker-logs-admin-token";

class docker_logs : public docker_runtime {
protected:
  /// janusd with the Docker runtime and the admin token.
  void start_with_admin(const std::string& models_yaml) {
    // Unindented, so a top-level mapping after the fixture's `docker:` lines.
    start_docker(models_yaml, {}, true, std::string{"admin:\n  token: \""} + admin_token + "\"\n");
  }

  header_map auth() const {
    return {{"Authorization", std::string{"Bearer "} + admin_token}};
  }

  /// The log lines holding every one of `parts`.
  std::vector<std::string> lines_with(const std::vector<std::string>& parts) {
    std::vector<std::string> found;
    std::istringstream log{janusd_->log()};
    for (std::string line; std::getline(log, line);) {
      bool all = true;
      for (const auto& part : parts) {
        all = all && line.find(part) != std::string::npos;
      }
      if (all) {
        found.push_back(line);
      }
    }
    return found;
  }

  /// janus_container_log_streams (a family without labels); nullopt when absent.
  std::optional<double> log_streams() {
    auto page = get(port_, "/metrics").body;
    std::string wanted = "\njanus_container_log_streams ";
    auto at = page.find(wanted);
    if (at == std::string::npos) {
      return std::nullopt;
    }
    return std::stod(page.substr(at + wanted.size()));
  }

  /// Whether /metrics has a sample of `name` with `labels` (e.g. `model="m"`) at all.
  bool has_series(const std::string& name, const std::string& labels) {
    return get(port_, "/metrics").body.find(name + "{" + labels + "}") != std::string::npos;
  }

  /// The ids of `model`'s containers, from the admin API.
  std::vector<std::string> containers_of(const std::string& model) {
    std::vector<std::string> ids;
    auto answer = get(port_, "/admin/pools", auth());
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(answer.body.c_str());
    if (!doc.IsObject() || !doc.HasMember("pools")) {
      return ids;
    }
    for (const auto& pool : doc["pools"].GetArray()) {
      if (pool["model"].GetString() != model) {
        continue;
      }
      for (const auto& c : pool["containers"].GetArray()) {
        ids.emplace_back(c["id"].GetString());
      }
    }
    return ids;
  }

  http_result remove_model(const std::string& model) {
    http_client client{port_};
    return client.request("DELETE", "/admin/models/" + model, {}, auth());
  }

  /// The `line` members of an NDJSON body of the admin logs route.
  static std::vector<std::string> lines_of(const std::string& body) {
    std::vector<std::string> lines;
    std::istringstream in{body};
    for (std::string text; std::getline(in, text);) {
      rapidjson::Document line;
      line.Parse<rapidjson::kParseIterativeFlag>(text.c_str());
      EXPECT_TRUE(line.IsObject() && line.HasMember("line")) << text;
      if (line.IsObject() && line.HasMember("line")) {
        lines.emplace_back(line["line"].GetString());
      }
    }
    return lines;
  }
};

TEST_F(docker_logs, an_isolated_containers_output_reaches_janusds_log_and_the_admin_route_and_its_stream_closes_when_it_goes) {
  start_with_admin(image_model("m", "      JANUS_BASELINE_NOISE_LINES: \"5\"\n"
                                    "    min_warm: 1\n    max_containers: 1\n"));
  ASSERT_EQ(inspect(*containers().begin(), "{{.HostConfig.NetworkMode}}"), "none");
  std::vector<std::string> ids;
  ASSERT_TRUE(eventually(5s, [&] { return (ids = containers_of("m")).size() == 1; }));
  const auto id = ids.front();
  // janusd's log is written in batches: wait for the lines.
  EXPECT_TRUE(eventually(5s, [&] {
    return lines_with({"container output", "noise line 5 of 5"}).size() == 1;
  })) << "the container's stdout is not in janusd's log";
  for (int i = 1; i <= 5; ++i) {
    auto found = lines_with({"container output", "noise line " + std::to_string(i) + " of 5"});
    ASSERT_EQ(found.size(), 1u) << "line " << i << " is not in janusd's log exactly once";
    EXPECT_NE(found.front().find("model=m"), std::string::npos) << found.front();
    EXPECT_NE(found.front().find("container=" + id), std::string::npos) << found.front();
    EXPECT_NE(found.front().find("stream=stdout"), std::string::npos) << found.front();
  }
  EXPECT_FALSE(lines_with({"container output", "stream=stderr", "listening on", "container=" + id}).empty())
    << "the container's stderr is not in janusd's log";
  EXPECT_EQ(log_streams(), 1.0) << "one stream for the one container";

  http_result whole;
  ASSERT_TRUE(eventually(5s, [&] {
    whole = get(port_, "/admin/containers/" + id + "/logs", auth());
    return whole.status == 200 && whole.body.find("noise line 5 of 5") != std::string::npos;
  })) << whole.status << " " << whole.body;
  auto all = lines_of(whole.body);
  ASSERT_GE(all.size(), 6u) << whole.body;
  auto tail = get(port_, "/admin/containers/" + id + "/logs?tail=2", auth());
  ASSERT_EQ(tail.status, 200u) << tail.body;
  auto last = lines_of(tail.body);
  ASSERT_EQ(last.size(), 2u) << tail.body;
  EXPECT_EQ(last[0], all[all.size() - 2]) << "the newest two";
  EXPECT_EQ(last[1], all[all.size() - 1]) << "the newest two";

  // The container goes with its model: its stream is closed, its lines stay for the route.
  auto removed = remove_model("m");
  ASSERT_EQ(removed.status, 202u) << removed.body;
  EXPECT_TRUE(eventually(20s, [&] { return containers(true).empty(); })) << "the container stays";
  EXPECT_TRUE(eventually(5s, [&] { return log_streams() == 0.0; }))
    << "a log stream outlived its container: " << log_streams().value_or(-1);
  EXPECT_EQ(get(port_, "/admin/containers/" + id + "/logs?tail=2", auth()).status, 200u);
}

TEST_F(docker_logs, a_noisy_bridged_container_is_rate_limited_and_its_dropped_series_leaves_with_its_model) {
  log_yaml_ = "  level: debug\n  container_lines_per_second: 5\n  container_burst: 10\n";
  start_with_admin(image_model("noisy", "      JANUS_BASELINE_NOISE_LINES: \"500\"\n"
                                        "    network: bridge\n    min_warm: 1\n    max_containers: 1\n"));
  ASSERT_EQ(inspect(*containers().begin(), "{{.HostConfig.NetworkMode}}"), "default");
  std::optional<double> dropped;
  ASSERT_TRUE(eventually(10s, [&] {
    dropped = metric("janus_container_log_lines_dropped_total", R"(model="noisy")");
    return dropped && *dropped >= 450;
  })) << "dropped lines are not counted: " << dropped.value_or(-1);
  // Lines of either stream share the bucket, and the engine keeps each stream's order only:
  // count them all (the drop summary has no `stream`).
  std::size_t logged = 0;
  EXPECT_TRUE(eventually(5s, [&] {
    logged = lines_with({"container output", "stream="}).size();
    return logged >= 10;
  })) << logged << " lines logged";
  EXPECT_LE(logged, 30u) << "the burst of 10 and 5 lines a second let through far more";
  auto ids = containers_of("noisy");
  ASSERT_EQ(ids.size(), 1u);
  // Every line is in the ring, dropped from the log or not.
  auto ring = lines_of(get(port_, "/admin/containers/" + ids.front() + "/logs?tail=1000", auth()).body);
  std::size_t noise = 0;
  for (const auto& line : ring) {
    noise += line.find("noise line") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(noise, 500u);

  auto removed = remove_model("noisy");
  ASSERT_EQ(removed.status, 202u) << removed.body;
  EXPECT_TRUE(eventually(20s, [&] {
    return !has_series("janus_container_log_lines_dropped_total", R"(model="noisy")");
  })) << "the removed model's dropped-lines series stays on /metrics";
  EXPECT_TRUE(containers(true).empty());
  EXPECT_EQ(log_streams(), 0.0);
  // Written when the container could write again, or at the latest when it went.
  EXPECT_TRUE(eventually(2s, [&] {
    return !lines_with({"container output dropped", "model=noisy"}).empty();
  })) << "no line sums up the drops";
}

TEST_F(docker_logs, an_adopted_container_is_followed_from_its_adoption_without_replaying_its_old_lines) {
  const auto models = image_model("m", "      JANUS_BASELINE_NOISE_LINES: \"5\"\n"
                                       "      JANUS_BASELINE_LOG_REQUESTS: \"1\"\n"
                                       "    min_warm: 1\n    max_containers: 1\n");
  start_with_admin(models);
  ASSERT_TRUE(eventually(5s, [&] { return !lines_with({"noise line 5 of 5"}).empty(); }));
  auto first_run = containers();
  ASSERT_EQ(first_run.size(), 1u);
  janusd_->signal(SIGKILL);
  ASSERT_TRUE(janusd_->wait_for_exit(10s));

  start_with_admin(models);
  ASSERT_EQ(containers(true), first_run) << "the container is adopted, not replaced";
  ASSERT_TRUE(eventually(5s, [&] { return !lines_with({"adopting container"}).empty(); }))
    << janusd_->log();
  EXPECT_EQ(log_streams(), 1.0);
  auto answer = post_json(port_, "/v1/chat/completions", chat("m", "after adoption"),
                          {{"x-request-id", "after-adoption"}});
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_TRUE(eventually(5s, [&] {
    return !lines_with({"container output", "model=m", "after-adoption"}).empty();
  })) << "the adopted container's new lines are not in janusd's log";
  // janus-baseline printed its noise under the first run, before it became ready.
  EXPECT_TRUE(lines_with({"container output", "noise line"}).empty())
    << "the restart replayed the container's old lines";
}

} // namespace
} // namespace janus::test
