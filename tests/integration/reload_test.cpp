// Starts the real janusd with real janus-baseline processes, rewrites its config file and sends
// SIGHUP: changed models get new processes, unchanged ones keep theirs and their streams, removed
// ones go, added ones serve; a broken file changes nothing; the admin API's changes hold.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/slowdown.hpp"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <set>
#include <string>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* token = "reload-admin-token";

/// A baseline model whose processes carry `RELOAD_TAG=<tag>`, so the test tells them apart;
/// without demand-following pre-warm, so that its processes are only those of min_warm and of
/// the requests.
std::string tagged_model(const std::string& name, const std::string& tag,
                         const std::string& settings = "    min_warm: 1\n") {
  return "  " + name + ":\n    command: [\"janus-baseline\"]\n    env: {RELOAD_TAG: \"" + tag
         + "\"}\n    prewarm_window: 0\n" + settings;
}

std::string chat(const std::string& model, const std::string& extra = {}) {
  std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}])";
  if (!extra.empty()) {
    body += "," + extra;
  }
  return body + "}";
}

/// A stream of 10 tokens 150 ms apart (stretched by slowdown()): it runs across a reload, and
/// holds its slot until a second request has queued behind it, which under TSan on a loaded
/// machine took longer than the 1.5 s of an unstretched stream.
std::string slow_stream(const std::string& model) {
  auto delay = scaled(std::chrono::milliseconds{150}).count();
  return chat(model, R"("stream":true,"janus_baseline":{"tokens":10,"token_delay_ms":)"
                       + std::to_string(delay) + "}");
}

class sighup_reload : public janusd_fixture {
protected:
  /// The model processes by their RELOAD_TAG.
  std::multimap<std::string, pid_t> processes_by_tag() {
    std::multimap<std::string, pid_t> out;
    for (auto pid : model_processes()) {
      out.emplace(environment_of(pid, "RELOAD_TAG"), pid);
    }
    return out;
  }

  std::set<pid_t> pids_tagged(const std::string& tag) {
    std::set<pid_t> out;
    auto all = processes_by_tag();
    auto [from, to] = all.equal_range(tag);
    for (auto it = from; it != to; ++it) {
      out.insert(it->second);
    }
    return out;
  }

  /// Waits until janus_config_reloads_total{result} reaches `count`.
  bool reloads_reach(const std::string& result, double count) {
    return eventually(20s, [&] {
      auto value = metric("janus_config_reloads_total", "result=\"" + result + "\"");
      return value && *value >= count;
    });
  }

  /// Every process of `before` still runs as a process of the model tagged `tag`, and janusd
  /// stopped none of that model's containers (a lease of the only idle container starts one
  /// more for min_warm, so the set may have grown).
  void expect_still_running(const std::set<pid_t>& before, const std::string& tag) {
    auto now = pids_tagged(tag);
    for (auto pid : before) {
      EXPECT_TRUE(now.contains(pid)) << "process " << pid << " of " << tag << " is gone";
    }
    EXPECT_EQ(janusd_->log().find("container stopped model=" + tag + " "), std::string::npos)
      << janusd_->log();
  }

  /// Waits until janusd's log holds `text` (it is written asynchronously).
  bool log_has(const std::string& text) {
    return eventually(5s, [&] { return janusd_->log().find(text) != std::string::npos; });
  }

  static void expect_complete(stream_result stream) {
    EXPECT_EQ(stream.status, 200u);
    EXPECT_TRUE(stream.complete) << stream.error;
    auto data = sse_data_lines(stream.body);
    ASSERT_FALSE(data.empty());
    EXPECT_EQ(data.back(), "[DONE]") << stream.body;
  }
};

TEST_F(sighup_reload, sighup_restarts_changed_models_adds_and_removes_and_leaves_unchanged_ones_alone) {
  start(tagged_model("keep", "keep") + tagged_model("change", "v1") + tagged_model("gone", "gone"));
  ASSERT_TRUE(eventually(10s, [&] { return model_processes().size() == 3; }));
  auto keep_pids = pids_tagged("keep");
  ASSERT_EQ(keep_pids.size(), 1u);
  auto old_change = pids_tagged("v1");
  auto old_gone = pids_tagged("gone");
  std::promise<void> first_frame;
  auto streaming = stream_in_background(slow_stream("keep"), first_frame);
  ASSERT_EQ(first_frame.get_future().wait_for(10s), std::future_status::ready);

  reload(tagged_model("fresh", "fresh") + tagged_model("keep", "keep")
         + tagged_model("change", "v2", "    min_warm: 1\n    max_containers: 2\n"));
  ASSERT_TRUE(reloads_reach("ok", 1)) << "the reload was not applied";

  expect_complete(streaming.get());
  expect_still_running(keep_pids, "keep");
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("change")).status, 200u);
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("fresh")).status, 200u);
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("gone")).status, 404u);
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("keep")).status, 200u);
  EXPECT_TRUE(eventually(10s, [&] {
    return pids_tagged("v1").empty() && pids_tagged("gone").empty() && !pids_tagged("v2").empty()
           && !pids_tagged("fresh").empty();
  })) << "the changed model runs with its new env, the removed one is gone";
  for (auto pid : old_change) {
    EXPECT_FALSE(process_alive(pid));
  }
  for (auto pid : old_gone) {
    EXPECT_FALSE(process_alive(pid));
  }
  auto models = get(port_, "/v1/models");
  EXPECT_NE(models.body.find("\"fresh\""), std::string::npos) << models.body;
  EXPECT_EQ(models.body.find("\"gone\""), std::string::npos) << models.body;
  EXPECT_TRUE(log_has("configuration reloaded added=1 changed=1 removed=1 unchanged=1 "
                      "added_models=fresh changed_models=change removed_models=gone "
                      "unchanged_models=keep"));
  auto when = metric("janus_config_last_reload_success_timestamp_seconds", "");
  EXPECT_TRUE(when && *when > 1.7e9);
}

TEST_F(sighup_reload, a_request_queued_in_a_changed_model_is_served_by_its_new_pool) {
  auto one_slot = std::string{"    min_warm: 1\n    max_containers: 1\n    max_concurrency: 1\n"};
  start(tagged_model("m", "v1", one_slot));
  ASSERT_TRUE(eventually(10s, [&] { return pids_tagged("v1").size() == 1; }));
  std::promise<void> first_frame;
  auto streaming = stream_in_background(slow_stream("m"), first_frame);
  ASSERT_EQ(first_frame.get_future().wait_for(10s), std::future_status::ready);
  // The only slot is busy: this one waits in the pool's queue.
  auto queued = std::async(std::launch::async, [this] {
    return post_json(port_, "/v1/chat/completions", chat("m"));
  });
  ASSERT_TRUE(eventually(5s, [&] {
    auto waiting = metric("janus_pool_waiting_requests", "model=\"m\"");
    return waiting && *waiting == 1.0;
  }));

  reload(tagged_model("m", "v2", one_slot));
  ASSERT_TRUE(reloads_reach("ok", 1));
  auto answer = queued.get();
  EXPECT_EQ(answer.status, 200u) << answer.body;
  expect_complete(streaming.get());
  EXPECT_TRUE(eventually(10s, [&] { return pids_tagged("v1").empty(); }));
  EXPECT_EQ(pids_tagged("v2").size(), 1u);
}

TEST_F(sighup_reload, a_file_with_an_error_is_refused_naming_the_key_and_everything_keeps_serving) {
  start(tagged_model("m", "m"));
  ASSERT_TRUE(eventually(10s, [&] { return pids_tagged("m").size() == 1; }));
  auto pids = pids_tagged("m");

  reload(tagged_model("m", "m", "    min_warm: 1\n    idle_ttl: 5 parsecs\n")
         + tagged_model("other", "other"));
  ASSERT_TRUE(reloads_reach("error", 1));
  EXPECT_TRUE(log_has("configuration reload refused"));
  EXPECT_TRUE(log_has("error=\"models.m.idle_ttl: "));
  EXPECT_EQ(metric("janus_config_last_reload_successful", ""), 0.0);
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("m")).status, 200u);
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("other")).status, 404u);
  expect_still_running(pids, "m");
  EXPECT_EQ(metric("janus_config_reloads_total", "result=\"ok\""), 0.0);

  // Fixed, the file is applied.
  reload(tagged_model("m", "m") + tagged_model("other", "other"));
  ASSERT_TRUE(reloads_reach("ok", 1));
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("other")).status, 200u);
  expect_still_running(pids, "m");
  EXPECT_EQ(metric("janus_config_last_reload_successful", ""), 1.0);
}

TEST_F(sighup_reload, keys_outside_models_are_logged_as_needing_a_restart_and_keep_their_values) {
  start(tagged_model("m", "m"));
  auto pids = pids_tagged("m");
  reload(tagged_model("m", "m"), "  max_body_bytes: 1KiB\n");
  ASSERT_TRUE(reloads_reach("ok", 1));
  EXPECT_TRUE(log_has("needs a restart; it keeps its running value key=server.max_body_bytes"));
  // The running limit (1 MiB) holds: a 4 KiB body is taken.
  std::string padding(4096, 'x');
  auto big = chat("m", R"("user":")" + padding + "\"");
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", big).status, 200u);
  expect_still_running(pids, "m");
}

TEST_F(sighup_reload, models_added_and_scaled_through_the_admin_api_survive_a_reload) {
  top_level_yaml_ = std::string{"admin:\n  token: \""} + token
                    + "\"\n  limits:\n    allow_command: true\n";
  start(tagged_model("m", "m"));
  header_map auth{{"Authorization", std::string{"Bearer "} + token},
                  {"Content-Type", "application/json"}};
  http_client client{port_};
  auto added = client.request("POST", "/admin/models",
                              R"({"name": "extra", "command": ["janus-baseline"], "min_warm": 1,)"
                              R"( "prewarm_window": 0, "env": {"RELOAD_TAG": "extra"}})",
                              auth);
  ASSERT_EQ(added.status, 201u) << added.body;
  auto scaled = client.request("POST", "/admin/pools/m/scale",
                               R"({"min_warm": 1, "max_containers": 3})", auth);
  ASSERT_EQ(scaled.status, 200u) << scaled.body;
  ASSERT_TRUE(eventually(10s, [&] { return pids_tagged("extra").size() == 1; }));
  auto m_pids = pids_tagged("m");
  auto extra_pids = pids_tagged("extra");

  // The new file also drops allow_command: admin.limits need a restart, so the added model
  // (which gives a command) is still read under the running limits and stays.
  top_level_yaml_ = std::string{"admin:\n  token: \""} + token + "\"\n";
  reload(tagged_model("m", "m") + tagged_model("new", "new"));
  ASSERT_TRUE(reloads_reach("ok", 1));
  EXPECT_TRUE(log_has("key=admin.limits.allow_command"));
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("extra")).status, 200u);
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("new")).status, 200u);
  expect_still_running(extra_pids, "extra"); // the added model is untouched
  expect_still_running(m_pids, "m");         // the scaled model is unchanged: the scale holds
  auto pools = client.request("GET", "/admin/pools", {}, auth);
  EXPECT_NE(pools.body.find(R"("max_containers":3)"), std::string::npos) << pools.body;
  EXPECT_TRUE(log_has("unchanged_models=m,extra"));
}

} // namespace
} // namespace janus::test
