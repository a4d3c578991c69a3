// Trace context through every hop and container output in janusd's log, with the real parts:
// janusd, janus-baseline children (echo and agent mode), the platform endpoint, a recording
// upstream, the admin API.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/integration/test_upstream.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <regex>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* admin_token = "trace-admin-token";
constexpr const char* client_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* client_span = "00f067aa0ba902b7";

std::string chat_body(const std::string& model) {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi there"}]})";
}

/// The value of `key=` in a log line (quoted or not), "" when absent.
std::string field_of(const std::string& line, const std::string& key) {
  std::smatch match;
  std::regex pattern{"(^|[ \"])" + key + "=([^ \"]*)"};
  return std::regex_search(line, match, pattern) ? match[2].str() : std::string{};
}

class trace_logs : public janusd_fixture {
protected:
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

  /// Waits for a log line holding every one of `parts`; "" when none came.
  std::string wait_line(const std::vector<std::string>& parts, std::chrono::milliseconds timeout = 5s) {
    std::string line;
    eventually(timeout, [&] {
      auto found = lines_with(parts);
      line = found.empty() ? std::string{} : found.front();
      return !found.empty();
    });
    return line;
  }

  std::string model_yaml(const std::string& name, const std::string& env) {
    return "  " + name + ":\n    command: [janus-baseline]\n    min_warm: 1\n    max_containers: 1\n"
           "    env: {" + env + "}\n";
  }

  /// The id of the one container of `model`, from the admin API.
  std::string container_of(const std::string& model) {
    auto answer = get(port_, "/admin/pools", {{"Authorization", std::string{"Bearer "} + admin_token}});
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(answer.body.c_str());
    if (!doc.IsObject()) {
      return {};
    }
    for (const auto& pool : doc["pools"].GetArray()) {
      if (pool["model"].GetString() == model && !pool["containers"].GetArray().Empty()) {
        return pool["containers"].GetArray()[0]["id"].GetString();
      }
    }
    return {};
  }
};

TEST_F(trace_logs, a_client_traceparent_reaches_the_container_with_its_trace_id_and_janusds_span_as_parent) {
  start(model_yaml("m", "JANUS_BASELINE_LOG_REQUESTS: \"1\""));
  auto traceparent = std::string{"00-"} + client_trace + "-" + client_span + "-01";
  auto answer = post_json(port_, "/v1/chat/completions", chat_body("m"),
                          {{"x-request-id", "trace-req-1"},
                           {"traceparent", traceparent},
                           {"tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"}});
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(answer.header("x-request-id"), "trace-req-1");
  EXPECT_EQ(answer.header("traceparent"), "") << "a trace context is not sent back";
  auto seen = wait_line({"container output", "x-request-id=trace-req-1"});
  ASSERT_FALSE(seen.empty()) << "the container's line did not reach janusd's log";
  EXPECT_NE(seen.find("model=m"), std::string::npos) << seen;
  EXPECT_NE(seen.find("stream=stdout"), std::string::npos) << seen;
  auto received = field_of(seen, "traceparent");
  ASSERT_EQ(received.size(), 55u) << seen;
  EXPECT_EQ(received.substr(0, 36), std::string{"00-"} + client_trace + "-");
  auto parent = received.substr(36, 16);
  EXPECT_NE(parent, client_span) << "janusd forwarded the client's span instead of its own";
  EXPECT_EQ(received.substr(52), "-01") << "the flags are kept";
  EXPECT_EQ(field_of(seen, "tracestate"), "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  auto summary = wait_line({"chat request", "request_id=trace-req-1"});
  ASSERT_FALSE(summary.empty());
  EXPECT_EQ(field_of(summary, "trace_id"), client_trace) << summary;
  EXPECT_EQ(field_of(summary, "span_id"), parent) << summary;
}

TEST_F(trace_logs, an_invalid_traceparent_is_ignored_and_janusd_starts_a_new_trace) {
  start(model_yaml("m", "JANUS_BASELINE_LOG_REQUESTS: \"1\""));
  auto upper = std::string{"00-4BF92F3577B34DA6A3CE929D0E0E4736-"} + client_span + "-01";
  auto answer = post_json(port_, "/v1/chat/completions", chat_body("m"),
                          {{"x-request-id", "trace-req-2"}, {"traceparent", upper},
                           {"tracestate", "congo=t61rcWkgMzE"}});
  ASSERT_EQ(answer.status, 200u) << "an invalid traceparent is never a 400: " << answer.body;
  auto seen = wait_line({"container output", "x-request-id=trace-req-2"});
  auto received = field_of(seen, "traceparent");
  ASSERT_EQ(received.size(), 55u) << seen;
  EXPECT_TRUE(std::regex_match(received, std::regex{"00-[0-9a-f]{32}-[0-9a-f]{16}-01"})) << received;
  EXPECT_EQ(received.find("4bf92f3577b34da6a3ce929d0e0e4736"), std::string::npos);
  EXPECT_EQ(field_of(seen, "tracestate"), "") << "the tracestate of an invalid trace is dropped";
  auto summary = wait_line({"chat request", "request_id=trace-req-2"});
  EXPECT_EQ(field_of(summary, "trace_id"), received.substr(3, 32)) << summary;
}

TEST_F(trace_logs, the_agent_chain_from_client_to_platform_upstream_carries_one_trace_id) {
  test_upstream llm;
  top_level_yaml_ = "platform:\n  routes:\n    /v1/chat/completions:\n      upstream: http://127.0.0.1:"
                    + std::to_string(llm.port()) + "/v1/chat/completions\n";
  start(model_yaml("agent", "JANUS_BASELINE_MODE: agent, JANUS_BASELINE_LOG_REQUESTS: \"1\""));
  auto traceparent = std::string{"00-"} + client_trace + "-" + client_span + "-00";
  auto answer = post_json(port_, "/v1/chat/completions", chat_body("agent"),
                          {{"x-request-id", "trace-agent-1"}, {"traceparent", traceparent},
                           {"tracestate", "vendor=abc"}});
  ASSERT_EQ(answer.status, 200u) << answer.body;
  ASSERT_TRUE(eventually(5s, [&] { return !llm.requests().empty(); }));
  auto upstream = llm.requests().front();
  auto at_upstream = upstream.headers["traceparent"];
  ASSERT_EQ(at_upstream.size(), 55u) << "the upstream got no traceparent";
  EXPECT_EQ(at_upstream.substr(0, 36), std::string{"00-"} + client_trace + "-");
  EXPECT_EQ(at_upstream.substr(52), "-00") << "the flags are kept through every hop";
  EXPECT_EQ(upstream.headers["tracestate"], "vendor=abc");
  auto chat_line = wait_line({"chat request", "request_id=trace-agent-1"});
  auto call_line = wait_line({"platform call", "request_id=trace-agent-1"});
  ASSERT_FALSE(chat_line.empty());
  ASSERT_FALSE(call_line.empty());
  EXPECT_EQ(field_of(call_line, "trace_id"), client_trace) << call_line;
  EXPECT_EQ(field_of(call_line, "parent_id"), field_of(chat_line, "span_id"))
    << "the container's call continues janusd's chat span:\n" << chat_line << "\n" << call_line;
  EXPECT_EQ(at_upstream.substr(36, 16), field_of(call_line, "span_id"))
    << "the upstream's parent is janusd's platform span";
  EXPECT_NE(field_of(call_line, "span_id"), field_of(chat_line, "span_id"));
}

TEST_F(trace_logs, a_noisy_container_is_rate_limited_and_its_dropped_lines_are_counted_and_summarized) {
  log_yaml_ = "  level: debug\n  container_lines_per_second: 5\n  container_burst: 10\n";
  start(model_yaml("noisy", "JANUS_BASELINE_NOISE_LINES: \"500\", JANUS_BASELINE_LOG_REQUESTS: \"1\""));
  ASSERT_TRUE(eventually(5s, [&] {
    auto dropped = metric("janus_container_log_lines_dropped_total", R"(model="noisy")");
    return dropped && *dropped >= 450;
  })) << "dropped lines are not counted";
  // janusd's log is written in batches: wait for the lines let through.
  std::size_t logged = 0;
  EXPECT_TRUE(eventually(5s, [&] {
    logged = lines_with({"container output", "noise line"}).size();
    return logged >= 10;
  })) << logged << " noise lines logged";
  EXPECT_LE(logged, 30u) << "the burst of 10 and 5 lines a second let through far more";
  // The next line after a pause is written, after the one line that sums up the drops.
  std::this_thread::sleep_for(300ms);
  auto answer = post_json(port_, "/v1/chat/completions", chat_body("noisy"), {{"x-request-id", "after-noise"}});
  ASSERT_EQ(answer.status, 200u);
  auto summary = wait_line({"container output dropped", "model=noisy"});
  ASSERT_FALSE(summary.empty()) << "no line sums up the drops";
  EXPECT_NE(summary.find("lines dropped"), std::string::npos) << summary;
  auto dropped = std::stoull(field_of(summary, "dropped"));
  EXPECT_GE(dropped, 450u);
  EXPECT_FALSE(wait_line({"container output", "x-request-id=after-noise"}).empty());
}

TEST_F(trace_logs, a_removed_models_dropped_lines_series_leaves_the_metrics_page) {
  log_yaml_ = "  level: debug\n  container_lines_per_second: 5\n  container_burst: 10\n";
  top_level_yaml_ = std::string{"admin:\n  token: \""} + admin_token + "\"\n";
  start(model_yaml("noisy", "JANUS_BASELINE_NOISE_LINES: \"100\""));
  ASSERT_TRUE(eventually(5s, [&] {
    return metric("janus_container_log_lines_dropped_total", R"(model="noisy")").has_value();
  })) << "dropped lines are not counted";
  http_client client{port_};
  auto removed = client.request("DELETE", "/admin/models/noisy", {},
                                {{"Authorization", std::string{"Bearer "} + admin_token}});
  ASSERT_EQ(removed.status, 202u) << removed.body;
  EXPECT_TRUE(eventually(10s, [&] {
    return get(port_, "/metrics").body.find(R"(janus_container_log_lines_dropped_total{model="noisy"})")
           == std::string::npos;
  })) << "the removed model's series stays on /metrics";
}

TEST_F(trace_logs, the_admin_logs_route_returns_the_tail_of_a_process_container) {
  top_level_yaml_ = std::string{"admin:\n  token: \""} + admin_token + "\"\n";
  start(model_yaml("m", "JANUS_BASELINE_NOISE_LINES: \"5\""));
  std::string id;
  ASSERT_TRUE(eventually(5s, [&] { return !(id = container_of("m")).empty(); }));
  header_map auth{{"Authorization", std::string{"Bearer "} + admin_token}};
  auto parse = [](const std::string& text) {
    std::vector<rapidjson::Document> lines;
    std::istringstream body{text};
    for (std::string line; std::getline(body, line);) {
      lines.emplace_back().Parse<rapidjson::kParseIterativeFlag>(line.c_str());
      EXPECT_TRUE(lines.back().IsObject()) << line;
    }
    return lines;
  };
  // Five stdout lines, then the stderr line that it listens (the two pipes are read apart, so
  // only each stream's own order is certain).
  http_result whole;
  ASSERT_TRUE(eventually(5s, [&] {
    whole = get(port_, "/admin/containers/" + id + "/logs", auth);
    return whole.status == 200 && whole.body.find("listening on") != std::string::npos
           && whole.body.find("noise line 5 of 5") != std::string::npos;
  })) << whole.status << " " << whole.body;
  EXPECT_EQ(whole.header("content-type"), "application/x-ndjson; charset=utf-8");
  auto all = parse(whole.body);
  ASSERT_EQ(all.size(), 6u) << whole.body;
  std::vector<std::string> out;
  for (const auto& line : all) {
    ASSERT_TRUE(line.IsObject());
    EXPECT_FALSE(line["cut"].GetBool());
    EXPECT_TRUE(std::regex_match(std::string{line["time"].GetString()},
                                 std::regex{R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"}));
    if (std::string{line["stream"].GetString()} == "stdout") {
      out.emplace_back(line["line"].GetString());
    } else {
      EXPECT_STREQ(line["stream"].GetString(), "stderr");
      EXPECT_NE(std::string{line["line"].GetString()}.find("listening on"), std::string::npos);
    }
  }
  ASSERT_EQ(out.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(out[static_cast<std::size_t>(i)], "janus-baseline: noise line " + std::to_string(i + 1) + " of 5");
  }
  auto tail = get(port_, "/admin/containers/" + id + "/logs?tail=3", auth);
  ASSERT_EQ(tail.status, 200u);
  auto last = parse(tail.body);
  ASSERT_EQ(last.size(), 3u) << tail.body;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_STREQ(last[i]["line"].GetString(), all[3 + i]["line"].GetString()) << "the newest three";
  }
  auto unknown = get(port_, "/admin/containers/nobody-1/logs", auth);
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_NE(unknown.body.find("unknown_container"), std::string::npos) << unknown.body;
  auto bad = get(port_, "/admin/containers/" + id + "/logs?tail=lots", auth);
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.find("\"param\":\"tail\""), std::string::npos) << bad.body;
  auto over = get(port_, "/admin/containers/" + id + "/logs?tail=10001", auth);
  EXPECT_EQ(over.status, 400u);
  auto anonymous = get(port_, "/admin/containers/" + id + "/logs", {});
  EXPECT_EQ(anonymous.status, 401u);
}

} // namespace
} // namespace janus::test
