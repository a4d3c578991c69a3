// Images from a registry (issue 13), against the real janusd, the real Docker engine and a real
// registry (Debian's docker-registry, distribution 2.8, on loopback): the baseline image is
// pushed under a name of the test's own, the local tag removed, and janusd pulls it. Tests that
// stop their registry or need credentials start one of their own; the others use the one
// scripts/test.sh started (JANUS_TEST_REGISTRY) or, without it, one of their own too.

#include "tests/integration/docker_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>
#include <thread>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

const std::string admin_token = "registry-test-admin-token";

/// A docker-registry of the test's own on a free loopback port, its storage and config (with
/// htpasswd credentials when asked) under `dir`. It never outlives the object.
class test_registry {
public:
  test_registry(std::filesystem::path dir, bool with_credentials)
      : dir_{std::move(dir)}, port_{free_port()} {
    std::filesystem::create_directories(dir_ / "storage");
    std::ofstream config{dir_ / "config.yml"};
    config << "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: "
           << (dir_ / "storage").string() << "\n  delete:\n    enabled: true\n"
           << "http:\n  addr: 127.0.0.1:" << port_ << "\n";
    if (with_credentials) {
      auto made = sh("htpasswd -Bbn " + username + " " + password + " > "
                     + (dir_ / "htpasswd").string());
      EXPECT_EQ(made.status, 0) << made.out;
      config << "auth:\n  htpasswd:\n    realm: janus-test\n    path: "
             << (dir_ / "htpasswd").string() << "\n";
    }
  }

  /// Starts it; true once `/v2/` answers (401 counts, with credentials).
  bool start() {
    daemon_.emplace(std::vector<std::string>{"docker-registry", "serve",
                                             (dir_ / "config.yml").string()},
                    std::map<std::string, std::string>{}, dir_ / "registry.log");
    return eventually(10s, [&] {
      return sh("curl -s -o /dev/null -w '%{http_code}' -m 1 http://" + address() + "/v2/").out
             != "000";
    });
  }

  void stop() {
    daemon_.reset();
  }

  std::string address() const {
    return "127.0.0.1:" + std::to_string(port_);
  }

  std::string log() const {
    return daemon_ ? daemon_->log() : std::string{};
  }

  static inline const std::string username = "miner";
  static inline const std::string password = "pull-test-s3cret";

private:
  std::filesystem::path dir_;
  std::uint16_t port_;
  std::optional<child_process> daemon_;
};

class registry_pulls : public docker_runtime {
protected:
  void SetUp() override {
    docker_runtime::SetUp();
    if (IsSkipped() || HasFailure()) {
      return;
    }
    if (sh("command -v docker-registry").status != 0) {
      if (const char* ci = std::getenv("CI"); ci != nullptr && std::string{ci} == "true") {
        FAIL() << "CI=true and docker-registry is not installed (scripts/install-deps.sh)";
      }
      GTEST_SKIP() << "docker-registry is not installed (scripts/install-deps.sh)";
    }
    dir_for_registry_ = std::filesystem::path{::testing::TempDir()} / ("registry-" + engine_id_);
    std::filesystem::remove_all(dir_for_registry_);
    repository_ = "jt-i13/" + lower(engine_id_.substr(3));
  }

  void TearDown() override {
    docker_runtime::TearDown();
    for (const auto& tag : pushed_) {
      sh(docker_ + " rmi " + tag + " > /dev/null 2>&1");
    }
    if (own_ && HasFailure()) {
      std::cerr << "--- registry log ---\n" << own_->log() << "\n";
    }
    own_.reset();
    std::filesystem::remove_all(dir_for_registry_);
  }

  static std::string lower(std::string text) {
    for (auto& c : text) {
      c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : (c == '_' ? '-' : c);
    }
    return text;
  }

  /// The registry of scripts/test.sh, else one of the test's own.
  std::string shared_registry() {
    if (const char* shared = std::getenv("JANUS_TEST_REGISTRY"); shared != nullptr && *shared) {
      return shared;
    }
    return own_registry(false);
  }

  std::string own_registry(bool with_credentials) {
    own_.emplace(dir_for_registry_, with_credentials);
    EXPECT_TRUE(own_->start()) << own_->log();
    return own_->address();
  }

  /// Pushes the baseline image as `registry/<repository>:tag` (with `cli_config` as the docker
  /// CLI's config dir when given) and removes the local tag; the image's digest reference.
  /// Pushes janus-baseline:latest as `registry`/`repository`:`tag` (repository_ when none is
  /// given) and removes it here; returns its digest reference.
  std::string push(const std::string& registry, const std::string& tag,
                   const std::string& cli_config = {}, std::string repository = {}) {
    if (repository.empty()) {
      repository = repository_;
    }
    auto cli = docker_ + (cli_config.empty() ? std::string{} : " --config " + cli_config);
    auto name = registry + "/" + repository + ":" + tag;
    EXPECT_EQ(sh(cli + " tag janus-baseline:latest " + name).status, 0);
    auto pushed = sh(cli + " push " + name);
    EXPECT_EQ(pushed.status, 0) << pushed.out;
    auto digest = sh(cli + " inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' " + name
                     + " | grep '^" + registry + "/" + repository + "@' | head -n 1");
    auto removed = sh(cli + " rmi " + name);
    EXPECT_EQ(removed.status, 0) << removed.out;
    sh(cli + " rmi " + digest.out + " > /dev/null 2>&1");
    EXPECT_NE(sh(cli + " image inspect " + name + " > /dev/null 2>&1").status, 0)
      << name << " is still local";
    pushed_.push_back(name);
    pushed_.push_back(digest.out);
    return digest.out;
  }

  void start_with(const std::string& models_yaml, const std::string& docker_yaml = {},
                  bool wait_ready = true, const std::string& admin_yaml = {}) {
    start_docker(models_yaml, "  request_timeout: 20s\n", wait_ready,
                 docker_yaml + "admin:\n  token: " + admin_token + "\n" + admin_yaml);
  }

  /// Whether GET /v1/models lists `model`.
  bool listed(const std::string& model) {
    return get(port_, "/v1/models").body.find("\"" + model + "\"") != std::string::npos;
  }

  http_result admin(const std::string& method, const std::string& target,
                    const std::string& body = {}) {
    http_client client{port_};
    header_map headers{{"Authorization", "Bearer " + admin_token}};
    if (!body.empty()) {
      headers["Content-Type"] = "application/json";
    }
    return client.request(method, target, body, headers);
  }

  /// The admin listing's image state of `model` ("" when absent).
  std::string image_state(const std::string& model) {
    auto answer = admin("GET", "/admin/pools");
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(answer.body.c_str());
    if (!doc.IsObject() || !doc.HasMember("pools")) {
      return {};
    }
    for (const auto& pool : doc["pools"].GetArray()) {
      if (std::string{pool["model"].GetString()} == model && pool.HasMember("image")) {
        return pool["image"]["state"].GetString();
      }
    }
    return {};
  }

  std::size_t pulls_logged() {
    return count_of(janusd_->log(), "docker: pulling image");
  }

  std::filesystem::path dir_for_registry_;
  std::string repository_;
  std::vector<std::string> pushed_;
  std::optional<test_registry> own_;
};

TEST_F(registry_pulls, pull_an_image_that_is_only_in_the_registry_then_serve_it) {
  auto registry = shared_registry();
  push(registry, "v1");
  auto image = registry + "/" + repository_ + ":v1";
  start_with(image_model("m", "    min_warm: 1\n    max_containers: 1\n", image));
  auto answer = post_json(port_, "/v1/chat/completions", chat("m", "from the registry"));
  EXPECT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(image_state("m"), "pulled");
  EXPECT_EQ(sh(docker_ + " image inspect " + image + " > /dev/null").status, 0);
  auto log = janusd_->log();
  EXPECT_EQ(count_of(log, "docker: pulling image"), 1u) << log;
  EXPECT_EQ(count_of(log, "docker: image pulled"), 1u) << log;
  // A few lines per pull, never one per layer or chunk.
  EXPECT_EQ(count_of(log, "docker: pull progress"), 0u) << log;
}

TEST_F(registry_pulls, pull_never_with_the_image_missing_is_a_503_naming_the_image_and_policy) {
  auto registry = shared_registry();
  auto image = registry + "/" + repository_ + ":absent";
  start_with(image_model("m", "    min_warm: 0\n    max_containers: 1\n    pull: never\n", image));
  auto answer = post_json(port_, "/v1/chat/completions", chat("m", "nothing here"));
  EXPECT_EQ(answer.status, 503u) << answer.body;
  EXPECT_NE(answer.body.find(image), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find("pull policy is never"), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find("\"type\""), std::string::npos) << "an OpenAI error body: "
                                                            << answer.body;
  EXPECT_EQ(pulls_logged(), 0u);
}

TEST_F(registry_pulls, pull_failures_are_503s_in_the_registrys_words_spaced_out_then_recover) {
  // The registry is down: its port refuses.
  own_.emplace(dir_for_registry_, false);
  auto registry = own_->address();
  auto image = registry + "/" + repository_ + ":v1";
  start_with(image_model("m", "    min_warm: 1\n    max_containers: 2\n", image), {}, false);
  ASSERT_TRUE(wait_for_http(port_, "/health", 10s));
  auto down = post_json(port_, "/v1/chat/completions", chat("m", "down"));
  EXPECT_EQ(down.status, 503u) << down.body;
  EXPECT_NE(down.body.find("cannot pull image " + image), std::string::npos) << down.body;
  EXPECT_NE(down.body.find("connection refused"), std::string::npos) << down.body;
  EXPECT_NE(image_state("m").find("failed: "), std::string::npos) << image_state("m");
  // Over 4 s the start back-off (1 s, 2 s, 4 s ...) allows 3 or 4 pulls, never a tight loop.
  auto first = pulls_logged();
  std::this_thread::sleep_for(4s);
  auto over_four_seconds = pulls_logged() - first;
  EXPECT_LE(over_four_seconds, 3u) << janusd_->log();
  EXPECT_GE(over_four_seconds, 1u) << "it keeps trying: " << janusd_->log();

  // The registry is up, but does not have the image: the registry's own words.
  ASSERT_TRUE(own_->start()) << own_->log();
  ASSERT_TRUE(eventually(20s, [&] {
    auto answer = post_json(port_, "/v1/chat/completions", chat("m", "unknown"));
    return answer.body.find("manifest unknown") != std::string::npos;
  })) << janusd_->log();
  auto unknown = post_json(port_, "/v1/chat/completions", chat("m", "unknown"));
  EXPECT_EQ(unknown.status, 503u) << unknown.body;
  EXPECT_NE(unknown.body.find(image), std::string::npos) << unknown.body;

  // Once the image is there, the next attempt pulls it and the model serves.
  push(registry, "v1");
  ASSERT_TRUE(eventually(40s, [&] {
    return post_json(port_, "/v1/chat/completions", chat("m", "recovered")).status == 200;
  })) << janusd_->log();
  EXPECT_EQ(image_state("m"), "pulled");
}

TEST_F(registry_pulls, pull_a_model_added_at_run_time_before_its_first_start) {
  auto registry = shared_registry();
  push(registry, "added");
  auto image = registry + "/" + repository_ + ":added";
  start_with(image_model("base", "    min_warm: 0\n    max_containers: 1\n"));
  auto added = admin("POST", "/admin/models",
                     R"({"name": "extra", "image": ")" + image
                       + R"(", "min_warm": 1, "max_containers": 1, "network": "isolated"})");
  ASSERT_EQ(added.status, 201u) << added.body;
  ASSERT_TRUE(eventually(30s, [&] { return image_state("extra") == "pulled"; }))
    << image_state("extra") << "\n" << janusd_->log();
  auto answer = post_json(port_, "/v1/chat/completions", chat("extra", "added"));
  EXPECT_EQ(answer.status, 200u) << answer.body;
  auto log = janusd_->log();
  auto pulled_at = log.find("docker: image pulled");
  auto running_at = log.find("docker: container running");
  ASSERT_NE(pulled_at, std::string::npos) << log;
  EXPECT_LT(pulled_at, running_at) << log;
}

TEST_F(registry_pulls, pull_an_image_pinned_by_digest_and_always_pulled) {
  auto registry = shared_registry();
  auto digest = push(registry, "pinned");
  ASSERT_NE(digest.find("@sha256:"), std::string::npos) << digest;
  // The same image in a repository of its own: were it the same repository, the other model's
  // pull (of the same manifest) would make the digest reference present here, and whichever
  // pool looked second would find it there and pull nothing (seen under ASan's timing).
  auto fresh_repository = repository_ + "-fresh";
  push(registry, "fresh", {}, fresh_repository);
  start_with(image_model("pinned", "    min_warm: 1\n    max_containers: 1\n", digest)
             + image_model("fresh", "    min_warm: 1\n    max_containers: 1\n    pull: always\n",
                           registry + "/" + fresh_repository + ":fresh"));
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("pinned", "by digest")).status, 200u);
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("fresh", "always")).status, 200u);
  EXPECT_EQ(image_state("pinned"), "pulled");
  EXPECT_EQ(image_state("fresh"), "pulled");
}

TEST_F(registry_pulls, pull_with_credentials_from_the_environment_that_reach_no_log_or_container) {
  auto registry = own_registry(true);
  auto cli_config = (dir_for_registry_ / "cli").string();
  auto login = sh("echo " + test_registry::password + " | " + docker_ + " --config " + cli_config
                  + " login -u " + test_registry::username + " --password-stdin " + registry);
  ASSERT_EQ(login.status, 0) << login.out;
  push(registry, "secret", cli_config);
  auto image = registry + "/" + repository_ + ":secret";
  env_["JANUS_TEST_REGISTRY_PASSWORD"] = test_registry::password;
  start_with(image_model("m", "    min_warm: 1\n    max_containers: 1\n", image),
             "  registries:\n    - server: " + registry + "\n      username: "
               + test_registry::username + "\n      password_env: JANUS_TEST_REGISTRY_PASSWORD\n");
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("m", "with credentials")).status, 200u);
  EXPECT_EQ(image_state("m"), "pulled");
  EXPECT_EQ(janusd_->log().find(test_registry::password), std::string::npos);
  for (const auto& id : containers()) {
    EXPECT_EQ(inspect(id, "{{json .Config.Env}}").find(test_registry::password), std::string::npos);
  }
}

TEST_F(registry_pulls, pull_without_the_credentials_it_needs_is_a_503_saying_so) {
  auto registry = own_registry(true);
  auto image = registry + "/" + repository_ + ":locked";
  start_with(image_model("m", "    min_warm: 0\n    max_containers: 1\n", image));
  auto answer = post_json(port_, "/v1/chat/completions", chat("m", "no credentials"));
  EXPECT_EQ(answer.status, 503u) << answer.body;
  EXPECT_NE(answer.body.find(image), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find("no basic auth credentials"), std::string::npos) << answer.body;
}

// -- model names as images (docker.model_as_image) ---------------------------------------------

TEST_F(registry_pulls, model_names_as_images_get_pools_bounded_in_number_and_removed_when_idle) {
  auto registry = shared_registry();
  push(registry, "a");
  push(registry, "b");
  push(registry, "c");
  auto image = [&](const std::string& tag) { return registry + "/" + repository_ + ":" + tag; };
  start_with(image_model("base", "    min_warm: 0\n    max_containers: 1\n"),
             "  model_as_image: true\n  max_image_pools: 2\n  image_pool_template:\n"
             "    max_containers: 1\n    idle_ttl: 2s\n    network: isolated\n",
             true, "  limits:\n    allowed_images: [\"" + registry + "/jt-i13/\"]\n");
  EXPECT_FALSE(listed(image("a")));
  auto a = post_json(port_, "/v1/chat/completions", chat(image("a"), "a pool of its own"));
  EXPECT_EQ(a.status, 200u) << a.body;
  EXPECT_TRUE(listed(image("a")));
  EXPECT_EQ(image_state(image("a")), "pulled");
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat(image("b"), "b")).status, 200u);

  // max_image_pools: a third is refused, saying which key decides.
  auto c = post_json(port_, "/v1/chat/completions", chat(image("c"), "one too many"));
  EXPECT_EQ(c.status, 503u) << c.body;
  EXPECT_NE(c.body.find("docker.max_image_pools"), std::string::npos) << c.body;
  EXPECT_FALSE(listed(image("c")));

  // Names that are no image reference, or one admission refuses, stay unknown.
  for (const std::string& name : {std::string{"gpt-4o is not an image"}, std::string{"Upper/Case"},
                                  std::string{"127.0.0.1:1/elsewhere/x:v1"}}) {
    auto unknown = post_json(port_, "/v1/chat/completions", chat(name, "unknown"));
    EXPECT_EQ(unknown.status, 404u) << name << ": " << unknown.body;
    EXPECT_NE(unknown.body.find("model_not_found"), std::string::npos) << unknown.body;
  }
  auto refused = post_json(port_, "/v1/chat/completions", chat("127.0.0.1:1/elsewhere/x:v1", "x"));
  EXPECT_NE(refused.body.find("admin.limits.allowed_images"), std::string::npos) << refused.body;
  EXPECT_EQ(pulls_logged(), 2u) << "nothing refused is pulled";

  // Idle (its container stopped after idle_ttl, then idle_ttl without one): removed, and the
  // bound frees a place.
  ASSERT_TRUE(eventually(20s, [&] { return !listed(image("a")) && !listed(image("b")); }))
    << janusd_->log();
  EXPECT_TRUE(eventually(10s, [&] { return containers().empty(); }));
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat(image("c"), "room again")).status, 200u);
  EXPECT_EQ(count_of(janusd_->log(), "image pool removed"), 2u);
}

} // namespace
} // namespace janus::test
