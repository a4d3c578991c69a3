// The real janusd's process-level lifecycle: what environment its model processes get (never its
// secrets), its signals (SIGHUP ignored, a second SIGTERM stops at once), and a clean shutdown
// with streams in flight and requests queued.

#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

std::string baseline_model(const std::string& name, const std::string& settings) {
  return "  " + name + ":\n    command: [\"janus-baseline\"]\n" + settings;
}

std::string chat(const std::string& model, const std::string& extra = {}) {
  std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}])";
  if (!extra.empty()) {
    body += "," + extra;
  }
  return body + "}";
}

/// The whole environment of a running process, by name (from /proc/PID/environ).
std::map<std::string, std::string> environment(pid_t pid) {
  std::ifstream file{"/proc/" + std::to_string(pid) + "/environ", std::ios::binary};
  std::map<std::string, std::string> out;
  std::string entry;
  while (std::getline(file, entry, '\0')) {
    auto eq = entry.find('=');
    if (eq != std::string::npos) {
      out.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  return out;
}

/// Waits (up to 5 s) until `pid` runs janus-baseline with its own environment: a child that was
/// just forked still has janusd's program and environment until its exec, and an exec under way
/// already shows the new program while /proc/PID/environ still reads empty (the kernel sets the
/// new program's exe link before it lays out its environment).
void wait_for_exec(pid_t pid) {
  std::error_code ec;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  while (std::chrono::steady_clock::now() < deadline) {
    auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
    if (!ec && exe.filename().string().starts_with("janus-baseline") && !environment(pid).empty()) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  ADD_FAILURE() << "process " << pid << " did not exec janus-baseline within 5 s";
}

std::string names_of(const std::map<std::string, std::string>& env) {
  std::string out;
  for (const auto& [name, value] : env) {
    out += name + " ";
  }
  return out;
}

class lifecycle : public janusd_fixture {
protected:
  /// Secrets janusd is started with: none may reach a model process.
  void give_janusd_secrets() {
    env_["JANUS_TEST_ADMIN_TOKEN"] = "admin-secret-0f1e2d";
    env_["JANUS_API_KEYS"] = "sk-client-secret-9a8b";
    env_["AWS_SECRET_ACCESS_KEY"] = "aws-secret-7c6d";
    env_["TZ"] = "UTC";
    env_["LC_TIME"] = "C";
    top_level_yaml_ = "admin:\n  token_env: JANUS_TEST_ADMIN_TOKEN\n"
                      "  limits:\n    allow_command: true\n";
  }

  /// Checks that `pid` got no variable of janusd's but the allowlisted ones.
  void expect_clean_environment(pid_t pid, const std::map<std::string, std::string>& own) {
    wait_for_exec(pid);
    auto env = environment(pid);
    ASSERT_FALSE(env.empty()) << "cannot read the environment of " << pid;
    for (const auto& [name, value] : env) {
      for (const auto* secret : {"admin-secret-0f1e2d", "sk-client-secret-9a8b", "aws-secret-7c6d"}) {
        EXPECT_EQ(value.find(secret), std::string::npos) << name << " carries a secret of janusd";
      }
    }
    std::set<std::string> allowed{"PATH", "HOME", "LANG", "TZ", "PORT", "HOST",
                                  "JANUS_PLATFORM_URL", "JANUS_LLM_API_KEY", "JANUS_MEMORY_URL",
                                  "JANUS_SEARCH_URL", "JANUS_LOG_LEVEL", "JANUS_TIMEOUT"};
    for (const auto& [name, value] : own) {
      allowed.insert(name);
      EXPECT_EQ(env[name], value) << "the model's own env";
    }
    for (const auto& [name, value] : env) {
      EXPECT_TRUE(allowed.contains(name) || name.starts_with("LC_"))
        << name << " reached the model process; it has: " << names_of(env);
    }
    EXPECT_EQ(env["TZ"], "UTC");
    EXPECT_EQ(env["LC_TIME"], "C");
    EXPECT_EQ(env["HOST"], "127.0.0.1");
    EXPECT_FALSE(env["PORT"].empty());
    if (const char* path = std::getenv("PATH")) {
      EXPECT_EQ(env["PATH"], path);
    }
  }
};

// -- the environment of model processes -----------------------------------------------------

TEST_F(lifecycle, model_processes_get_an_allowlisted_environment_and_none_of_janusds_secrets) {
  give_janusd_secrets();
  start(baseline_model("m", "    min_warm: 1\n    env:\n      MODEL_SETTING: \"on\"\n"));
  auto children = model_processes();
  ASSERT_EQ(children.size(), 1u);
  expect_clean_environment(*children.begin(), {{"MODEL_SETTING", "on"}});
  EXPECT_EQ(environment(janusd_->pid())["JANUS_TEST_ADMIN_TOKEN"], "admin-secret-0f1e2d")
    << "the test gave janusd the secret (so the check above can fail)";

  // A model added through the admin API is run the same way.
  http_client client{port_};
  auto added = client.request("POST", "/admin/models",
                              R"({"name": "extra", "command": ["janus-baseline"], "min_warm": 1,)"
                              R"( "max_containers": 1, "env": {"EXTRA_SETTING": "1"}})",
                              {{"Authorization", "Bearer admin-secret-0f1e2d"},
                               {"Content-Type", "application/json"}});
  ASSERT_EQ(added.status, 201u) << added.body;
  ASSERT_TRUE(eventually(10s, [&] { return model_processes().size() == 2; }));
  auto all = model_processes();
  all.erase(*children.begin());
  expect_clean_environment(*all.begin(), {{"EXTRA_SETTING", "1"}});
}

TEST_F(lifecycle, process_inherit_env_chooses_what_model_processes_inherit) {
  give_janusd_secrets();
  top_level_yaml_ += "process:\n  inherit_env: [AWS_*]\n";
  start(baseline_model("m", "    min_warm: 1\n"));
  auto children = model_processes();
  ASSERT_EQ(children.size(), 1u);
  wait_for_exec(*children.begin());
  auto env = environment(*children.begin());
  EXPECT_EQ(env["AWS_SECRET_ACCESS_KEY"], "aws-secret-7c6d") << "the operator chose to pass it";
  EXPECT_FALSE(env.contains("PATH")) << "not in the list any more";
  EXPECT_FALSE(env.contains("JANUS_TEST_ADMIN_TOKEN"));
  EXPECT_FALSE(env.contains("JANUS_API_KEYS"));
}

// -- signals ----------------------------------------------------------------------------------

TEST_F(lifecycle, sighup_with_the_same_file_reloads_it_and_leaves_janusd_serving) {
  start(baseline_model("m", "    min_warm: 1\n    max_containers: 1\n"));
  auto children = model_processes();
  janusd_->signal(SIGHUP);
  EXPECT_TRUE(eventually(5s, [&] {
    return janusd_->log().find("configuration reloaded added=0 changed=0 removed=0 unchanged=1")
           != std::string::npos;
  })) << "janusd says what it did with SIGHUP";
  EXPECT_TRUE(janusd_->running());
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("m")).status, 200u);
  EXPECT_EQ(model_processes(), children) << "nothing was restarted";
  // A reload that meets the shutdown does not hold it up.
  janusd_->signal(SIGHUP);
  janusd_->signal(SIGTERM);
  auto status = janusd_->wait_for_exit(20s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_wait_status(*status);
}

TEST_F(lifecycle, a_second_sigterm_during_the_drain_stops_at_once) {
  start(baseline_model("m", "    min_warm: 1\n"), "  drain_timeout: 30s\n");
  auto children = model_processes();
  std::promise<void> streaming;
  stream_options watch;
  watch.on_frame = [&, signalled = false](const sse_frame&) mutable {
    if (!signalled) {
      signalled = true;
      streaming.set_value();
    }
  };
  auto stream = std::async(std::launch::async, [&] {
    return post_json_streaming(
      port_, "/v1/chat/completions",
      chat("m", R"("stream":true,"janus_baseline":{"tokens":200,"token_delay_ms":100})"), watch);
  });
  ASSERT_EQ(streaming.get_future().wait_for(10s), std::future_status::ready);
  janusd_->signal(SIGTERM);
  ASSERT_TRUE(eventually(5s, [&] { return janusd_->log().find("draining") != std::string::npos; }));
  auto second = std::chrono::steady_clock::now();
  janusd_->signal(SIGTERM);
  auto status = janusd_->wait_for_exit(5s);
  ASSERT_TRUE(status.has_value()) << "a second SIGTERM did not stop janusd";
  EXPECT_LT(std::chrono::steady_clock::now() - second, 2s);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << describe_wait_status(*status);
  EXPECT_NE(janusd_->log().find("stopping at once"), std::string::npos);
  EXPECT_FALSE(stream.get().complete) << "the stream was cut, not drained";
  EXPECT_TRUE(eventually(5s, [&] {
    for (auto pid : children) {
      if (process_alive(pid)) {
        return false;
      }
    }
    return true;
  })) << "model processes outlived janusd";
}

// -- shutdown -------------------------------------------------------------------------------

TEST_F(lifecycle, sigterm_with_streams_in_flight_and_requests_queued_answers_all_and_exits_0) {
  start(baseline_model("m", "    min_warm: 1\n    max_containers: 1\n    max_concurrency: 2\n"),
        "  drain_timeout: 5s\n");
  std::vector<std::future<stream_result>> streams;
  for (int i = 0; i < 2; ++i) {
    streams.push_back(std::async(std::launch::async, [&] {
      return post_json_streaming(
        port_, "/v1/chat/completions",
        chat("m", R"("stream":true,"janus_baseline":{"tokens":8,"token_delay_ms":100})"));
    }));
  }
  ASSERT_TRUE(eventually(5s, [&] {
    auto value = metric("janus_pool_inflight_requests", "model=\"m\"");
    return value && *value == 2.0;
  }));
  std::vector<std::future<http_result>> queued;
  for (int i = 0; i < 3; ++i) {
    queued.push_back(std::async(std::launch::async,
                                [&] { return post_json(port_, "/v1/chat/completions", chat("m")); }));
  }
  ASSERT_TRUE(eventually(5s, [&] {
    auto value = metric("janus_pool_waiting_requests", "model=\"m\"");
    return value && *value == 3.0;
  }));

  janusd_->signal(SIGTERM);

  for (auto& s : streams) {
    auto result = s.get();
    EXPECT_TRUE(result.complete) << "a stream in flight finishes: " << result.error;
  }
  for (auto& q : queued) {
    auto answer = q.get();
    EXPECT_TRUE(answer.status == 200u || answer.status == 503u)
      << "a queued request gets an answer: " << answer.status << " " << answer.body;
  }
  auto status = janusd_->wait_for_exit(30s);
  ASSERT_TRUE(status.has_value()) << "janusd did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_wait_status(*status);
}

} // namespace
} // namespace janus::test
