// Prepared containers on the real Docker engine with the janus-baseline image: once the pool is
// warm a container of the model waits created (not started) with the engine's labels, a cold
// request's container is that one (no create on its path), a shutdown leaves none, a restart
// after SIGKILL removes the earlier run's (it is not running: reconciliation removes it, and the
// new run prepares its own), and one whose image was rebuilt since is removed instead of started.

#include "tests/integration/docker_fixture.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <sys/wait.h>

#include <csignal>
#include <string>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

const std::string admin_token = "prepared-test-admin-token";

class docker_prepared : public docker_runtime {
protected:
  void start_janusd(const std::string& models_yaml) {
    start_docker(models_yaml, {}, true, "admin:\n  token: " + admin_token + "\n");
  }

  /// `{prepare_ahead, prepared}` of `model` in GET /admin/pools, {-1, -1} without it.
  std::pair<int, int> listed_prepared(const std::string& model) {
    http_client client{port_};
    auto answer = client.request("GET", "/admin/pools", {},
                                 {{"Authorization", "Bearer " + admin_token}});
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(answer.body.c_str());
    if (answer.status != 200 || !doc.IsObject() || !doc.HasMember("pools")) {
      return {-1, -1};
    }
    for (const auto& pool : doc["pools"].GetArray()) {
      if (std::string{pool["model"].GetString()} == model) {
        return {pool["policy"]["prepare_ahead"].GetInt(), pool["prepared"].GetInt()};
      }
    }
    return {-1, -1};
  }

  /// The one prepared container of this test, once there is exactly one and janusd has it
  /// (`docker ps` shows it before janusd has read the create's answer); empty otherwise.
  std::string one_prepared(std::chrono::milliseconds within, const std::string& not_this = {}) {
    std::string id;
    eventually(within, [&] {
      auto now = prepared();
      id = now.size() == 1 && *now.begin() != not_this ? *now.begin() : std::string{};
      return !id.empty() && known(id);
    });
    return id;
  }

  /// Whether janusd logged container `id` as prepared (debug).
  bool known(const std::string& id) {
    auto log = janusd_->log();
    for (auto at = log.find("docker: container prepared"); at != std::string::npos;
         at = log.find("docker: container prepared", at + 1)) {
      if (log.substr(at, log.find('\n', at) - at).find(id) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  /// The `container ready` log line of container `id`, once janusd has written it.
  std::string ready_line(const std::string& id) {
    std::string line;
    eventually(3s, [&] {
      auto log = janusd_->log();
      for (auto at = log.find("container ready"); at != std::string::npos;
           at = log.find("container ready", at + 1)) {
        auto candidate = log.substr(at, log.find('\n', at) - at);
        if (candidate.find(id) != std::string::npos) {
          line = candidate;
          return true;
        }
      }
      return false;
    });
    return line;
  }
};

const std::string model_settings =
  "    min_warm: 0\n    max_containers: 2\n    prewarm_window: 0s\n    idle_ttl: 60s\n";

TEST_F(docker_prepared, a_cold_request_starts_the_prepared_container_and_a_shutdown_removes_the_next) {
  start_janusd(image_model("m", model_settings));
  auto ahead = one_prepared(10s);
  ASSERT_FALSE(ahead.empty()) << "no prepared container:\n"
                              << sh("docker ps -a --filter label=janus.engine=" + engine_id_).out;
  EXPECT_TRUE(eventually(3s, [&] { return listed_prepared("m") == std::pair{1, 1}; }))
    << "GET /admin/pools: prepare_ahead, prepared = " << listed_prepared("m").first << ", "
    << listed_prepared("m").second;
  EXPECT_TRUE(containers().empty()) << "min_warm 0: nothing runs";
  EXPECT_EQ(inspect(ahead, "{{.State.Status}}"), "created");
  EXPECT_EQ(inspect(ahead, "{{index .Config.Labels \"janus.engine\"}}"), engine_id_);
  EXPECT_EQ(inspect(ahead, "{{index .Config.Labels \"janus.model\"}}"), "m");
  EXPECT_FALSE(inspect(ahead, "{{index .Config.Labels \"janus.generation\"}}").empty());
  EXPECT_EQ(inspect(ahead, "{{.HostConfig.NetworkMode}}"), "none") << "isolated, as a start";

  auto cold = post_json(port_, "/v1/chat/completions", chat("m", "wake up"));
  ASSERT_EQ(cold.status, 200u) << cold.body;
  EXPECT_EQ(cold.header("x-janus-start"), "cold");
  EXPECT_EQ(cold.header("x-janus-container"), ahead) << "the prepared container served";
  auto ready = ready_line(ahead);
  ASSERT_FALSE(ready.empty()) << janusd_->log();
  EXPECT_NE(ready.find("prepared_ms="), std::string::npos) << ready;
  EXPECT_EQ(ready.find("create_ms="), std::string::npos) << "no create on the cold path: " << ready;

  // The next cold start has one again, and the running one is not it.
  std::string next;
  EXPECT_TRUE(eventually(10s, [&] {
    auto now = prepared();
    next = now.size() == 1 ? *now.begin() : std::string{};
    return !next.empty() && next != ahead;
  })) << sh("docker ps -a --filter label=janus.engine=" + engine_id_).out;
  EXPECT_EQ(containers(), (std::set<std::string>{ahead}));

  janusd_->signal(SIGTERM);
  auto status = janusd_->wait_for_exit(30s);
  ASSERT_TRUE(status.has_value()) << "janusd did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_TRUE(containers(true).empty()) << "a container outlived janusd:\n"
                                        << sh("docker ps -a --filter label=janus.engine="
                                              + engine_id_).out;
}

TEST_F(docker_prepared, a_restart_after_sigkill_removes_the_prepared_container_of_the_killed_run) {
  start_docker(image_model("m", model_settings));
  auto ahead = one_prepared(10s);
  ASSERT_FALSE(ahead.empty());
  janusd_->signal(SIGKILL);
  ASSERT_TRUE(janusd_->wait_for_exit(10s));
  EXPECT_EQ(prepared(), (std::set<std::string>{ahead})) << "SIGKILL leaves it behind";

  start_docker(image_model("m", model_settings));
  auto fresh = one_prepared(10s, ahead);
  EXPECT_FALSE(fresh.empty()) << sh("docker ps -a --filter label=janus.engine=" + engine_id_).out;
  EXPECT_TRUE(eventually(2s, [&] {
    return janusd_->log().find("it is not running (created)") != std::string::npos;
  })) << janusd_->log();
  auto cold = post_json(port_, "/v1/chat/completions", chat("m", "after the restart"));
  ASSERT_EQ(cold.status, 200u) << cold.body;
  EXPECT_EQ(cold.header("x-janus-container"), fresh);

  janusd_->signal(SIGTERM);
  ASSERT_TRUE(janusd_->wait_for_exit(30s));
  EXPECT_TRUE(containers(true).empty());
}

TEST_F(docker_prepared, a_prepared_container_of_an_image_rebuilt_since_is_removed_not_started) {
  // A tag of this test's own, so that rebuilding it touches no other test's image.
  auto image = "janus-prepared-test:" + engine_id_;
  auto tag = [&](const std::string& label) {
    auto built = sh("printf 'FROM janus-baseline:latest\\nLABEL janus.test=" + label
                    + "\\n' | " + docker_ + " build -q -t " + image + " - 2>&1");
    return built.status == 0 ? inspect(image, "{{.Id}}") : "failed: " + built.out;
  };
  auto first_id = tag("one");
  ASSERT_EQ(first_id.rfind("sha256:", 0), 0u) << first_id;
  start_docker(image_model("m", model_settings + "    pull: never\n", image));
  auto ahead = one_prepared(10s);
  ASSERT_FALSE(ahead.empty());
  auto second_id = tag("two");
  ASSERT_NE(second_id, first_id) << "the rebuild gave the same image";

  auto cold = post_json(port_, "/v1/chat/completions", chat("m", "new image"));
  ASSERT_EQ(cold.status, 200u) << cold.body;
  EXPECT_EQ(cold.header("x-janus-start"), "cold");
  auto served = cold.header("x-janus-container");
  EXPECT_NE(served, ahead) << "the container of the old image was started";
  EXPECT_EQ(inspect(served, "{{.Image}}"), second_id);
  EXPECT_TRUE(eventually(5s, [&] { return !prepared().contains(ahead); }))
    << "the stale prepared container stays";
  EXPECT_TRUE(eventually(2s, [&] {
    return janusd_->log().find("its image was rebuilt or pulled since") != std::string::npos;
  })) << janusd_->log();

  janusd_->signal(SIGTERM);
  ASSERT_TRUE(janusd_->wait_for_exit(30s));
  EXPECT_TRUE(containers(true).empty());
  sh(docker_ + " rmi -f " + image + " >/dev/null 2>&1");
}

} // namespace
} // namespace janus::test
