#include "model/sandbox.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "model/admin.hpp"
#include "model/config.hpp"

using namespace std::chrono_literals;

namespace janus {
namespace {

constexpr int depth = 128;

std::string create_error(std::string_view body) {
  auto parsed = parse_sandbox_request(body, 24h, depth);
  return parsed ? "<accepted>" : parsed.error().message;
}

std::string run_error(std::string_view body) {
  auto parsed = parse_container_run_request(body, depth);
  return parsed ? "<accepted>" : parsed.error().message;
}

std::string config_error_of(const std::string& yaml) {
  try {
    parse_config(yaml);
  } catch (const config_error& error) {
    return error.what();
  }
  return "<no error>";
}

constexpr const char* docker_model = "runtime: docker\n"
                                     "models:\n"
                                     "  m:\n"
                                     "    image: janus-baseline:latest\n";

// -- ids and paths ----------------------------------------------------------------------------

TEST(sandbox_ids, are_1_to_64_characters_of_letters_digits_dash_and_underscore) {
  EXPECT_TRUE(is_valid_sandbox_id("0123456789abcdef0123456789abcdef"));
  EXPECT_TRUE(is_valid_sandbox_id("c1"));
  EXPECT_TRUE(is_valid_sandbox_id("A_b-9"));
  EXPECT_TRUE(is_valid_sandbox_id(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_sandbox_id(""));
  EXPECT_FALSE(is_valid_sandbox_id(std::string(65, 'a')));
  for (const std::string& bad : std::vector<std::string>{"a/b", "a.b", "a%2F", "a b", "..", "\xc3\xa9",
                                                          std::string("a\0b", 3)}) {
    EXPECT_FALSE(is_valid_sandbox_id(bad)) << bad;
  }
}

TEST(sandbox_paths, name_the_collection_a_sandbox_a_run_and_a_chat) {
  auto collection = parse_sandbox_path("/api/sandboxes");
  ASSERT_TRUE(collection.ok());
  EXPECT_EQ(collection.value().what, sandbox_target::kind::collection);
  EXPECT_EQ(parse_sandbox_path("/api/sandboxes/").value().what, sandbox_target::kind::collection);
  auto one = parse_sandbox_path("/api/sandboxes/abc");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.value().what, sandbox_target::kind::sandbox);
  EXPECT_EQ(one.value().sandbox_id, "abc");
  auto run = parse_sandbox_path("/api/sandboxes/abc/container/run");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run.value().what, sandbox_target::kind::run);
  EXPECT_EQ(run.value().sandbox_id, "abc");
  auto chat = parse_sandbox_path("/api/sandboxes/abc/container/c1/chat");
  ASSERT_TRUE(chat.ok());
  EXPECT_EQ(chat.value().what, sandbox_target::kind::chat);
  EXPECT_EQ(chat.value().sandbox_id, "abc");
  EXPECT_EQ(chat.value().container_id, "c1");
}

TEST(sandbox_paths, other_shapes_are_404_and_bad_ids_400_without_echo) {
  for (const char* unknown : {"/api/sandboxesx", "/api/sandboxes/abc/", "/api/sandboxes/abc/x",
                              "/api/sandboxes/abc/container", "/api/sandboxes/abc/container/",
                              "/api/sandboxes/abc/container/c1",
                              "/api/sandboxes/abc/container/c1/chat/more",
                              "/api/sandboxes/abc/container/c1/stop"}) {
    auto target = parse_sandbox_path(unknown);
    ASSERT_FALSE(target.ok()) << unknown;
    EXPECT_EQ(target.error().code, errc::no_route) << unknown;
  }
  EXPECT_FALSE(is_sandbox_path("/api/sandboxesx"));
  EXPECT_TRUE(is_sandbox_path("/api/sandboxes/x"));
  for (const char* bad : {"/api/sandboxes/a%2Fb", "/api/sandboxes//container/run",
                          "/api/sandboxes/<script>/container/run"}) {
    auto target = parse_sandbox_path(bad);
    ASSERT_FALSE(target.ok()) << bad;
    EXPECT_EQ(target.error().code, errc::invalid_request) << bad;
    EXPECT_EQ(target.error().message.rfind("sandbox id: expected", 0), 0u) << bad;
  }
  auto bad_container = parse_sandbox_path("/api/sandboxes/abc/container/c.1/chat");
  ASSERT_FALSE(bad_container.ok());
  EXPECT_EQ(bad_container.error().message.rfind("container id: expected", 0), 0u);
}

// -- bodies -----------------------------------------------------------------------------------

TEST(sandbox_create_body, takes_defaults_from_an_empty_body_and_reads_image_and_timeout) {
  auto empty = parse_sandbox_request("", 24h, depth);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.value().image, "");
  EXPECT_FALSE(empty.value().timeout);
  ASSERT_TRUE(parse_sandbox_request(" {} ", 24h, depth).ok());
  auto given = parse_sandbox_request(R"({"image": "janus-runtime", "timeout": 3600})", 24h, depth);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given.value().image, "janus-runtime");
  EXPECT_EQ(given.value().timeout, std::chrono::milliseconds{3600s});
  EXPECT_EQ(parse_sandbox_request(R"({"timeout": 0.5})", 24h, depth).value().timeout, 500ms);
}

TEST(sandbox_create_body, refuses_what_it_does_not_know_with_the_field_named) {
  EXPECT_EQ(create_error("nope"), "body: expected a JSON object such as {\"image\": "
                                  "\"janus-runtime\", \"timeout\": 3600}");
  EXPECT_EQ(create_error("[]").rfind("body: expected a JSON object", 0), 0u);
  EXPECT_EQ(create_error(R"({"timeout": 0})"), "timeout: must be a number of seconds greater than 0");
  EXPECT_EQ(create_error(R"({"timeout": -5})"), "timeout: must be a number of seconds greater than 0");
  EXPECT_EQ(create_error(R"({"timeout": "60"})"), "timeout: must be a number of seconds");
  EXPECT_EQ(create_error(R"({"timeout": 86401})"),
            "timeout: must be at most 86400 seconds (sandbox.max_timeout)");
  EXPECT_EQ(create_error(R"({"timeout": 1e400})").rfind("body:", 0), 0u);
  EXPECT_EQ(create_error(R"({"image": 5})"), "image: must be a string");
  EXPECT_EQ(create_error(R"({"image": "a b"})").rfind("image: must be an image reference", 0), 0u);
  EXPECT_EQ(create_error(R"({"image": "x", "image": "y"})"), "image: given more than once");
  EXPECT_EQ(create_error(R"({"cpu": 2})"), "cpu: unknown field (expected image or timeout)");
  EXPECT_EQ(create_error(std::string(200, '[') + std::string(200, ']')),
            "body: nested deeper than server.max_json_depth (128 levels)");
}

TEST(sandbox_run_body, reads_image_env_and_timeout_and_accepts_sandys_platform_fields) {
  auto run = parse_container_run_request(
    R"({"image": "janus-baseline:latest", "env": {"JANUS_PLATFORM_URL": "http://platform:8000",
        "MY_FLAG": "1"}, "timeout": 600, "llm_api_key": "sk-x", "memory_url": null})",
    depth);
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(run.value().image, "janus-baseline:latest");
  EXPECT_EQ(run.value().env.size(), 2u);
  EXPECT_EQ(run.value().env.at("MY_FLAG"), "1");
  EXPECT_EQ(run.value().timeout, std::chrono::milliseconds{600s});
  EXPECT_FALSE(parse_container_run_request(R"({"image": "i", "timeout": null})", depth)
                 .value()
                 .timeout);
}

TEST(sandbox_run_body, refuses_a_missing_image_bad_env_and_unknown_fields) {
  EXPECT_EQ(run_error("{}"), "image: required: the image to run, e.g. janus-baseline:latest");
  EXPECT_EQ(run_error(""), "body: expected a JSON object such as {\"image\": "
                           "\"janus-baseline:latest\", \"env\": {}}");
  EXPECT_EQ(run_error(R"({"image": "-rm"})").rfind("image: must be an image reference", 0), 0u);
  EXPECT_EQ(run_error(R"({"image": ""})"), "image: must not be empty");
  EXPECT_EQ(run_error(R"({"image": "i", "env": []})"),
            "env: must be an object of variable names to string values");
  EXPECT_EQ(run_error(R"({"image": "i", "env": {"A": 1}})"), "env.A: must be a string");
  EXPECT_EQ(run_error(R"({"image": "i", "env": {"1A": "x"}})").rfind("env.1A: not a valid", 0), 0u);
  EXPECT_EQ(run_error(R"({"image": "i", "env": {"A=B": "x"}})").rfind("env.A=B: not a valid", 0),
            0u);
  EXPECT_EQ(run_error(R"({"image": "i", "env": {"A": "x\u0000y"}})"),
            "env.A: must not contain a NUL character");
  EXPECT_EQ(run_error(R"({"image": "i", "env": {"A": "x", "A": "y"}})"), "env.A: given more than once");
  EXPECT_EQ(run_error(R"({"image": "i", "command": ["sh"]})"),
            "command: unknown field (expected image, env or timeout)");
  EXPECT_EQ(run_error(R"({"image": "i", "llm_api_key": 5})"), "llm_api_key: must be a string");
  std::string many = R"({"image": "i", "env": {)";
  for (int i = 0; i < 129; ++i) {
    many += (i == 0 ? "" : ",") + std::string{"\"V"} + std::to_string(i) + "\":\"x\"";
  }
  many += "}}";
  EXPECT_EQ(run_error(many), "env: more than 128 variables");
  // An echoed unknown name is short and valid UTF-8.
  auto echoed = run_error("{\"" + std::string(300, 'k') + "\": 1}");
  EXPECT_LT(echoed.size(), 140u);
}

// -- the model a run becomes -----------------------------------------------------------------

TEST(sandbox_model, is_one_isolated_container_without_the_platform_variables) {
  auto run = parse_container_run_request(
    R"({"image": "janus-baseline:latest", "env": {"JANUS_PLATFORM_URL": "http://platform:8000",
        "JANUS_LLM_API_KEY": "sk", "MY_FLAG": "1"}})",
    depth);
  ASSERT_TRUE(run.ok());
  admin_limits limits;
  auto made = make_sandbox_model(run.value(), "abc", "c1", 90s, limits);
  EXPECT_EQ(made.model.name, "sandbox-abc-c1");
  EXPECT_EQ(made.model.image, "janus-baseline:latest");
  EXPECT_EQ(made.model.min_warm, 1);
  EXPECT_EQ(made.model.max_containers, 1);
  EXPECT_EQ(made.model.idle_ttl, 90s);
  EXPECT_EQ(made.model.network, network_mode::isolated);
  EXPECT_EQ(made.model.env.size(), 1u);
  EXPECT_EQ(made.model.env.count("JANUS_PLATFORM_URL"), 0u);
  EXPECT_EQ(made.ignored_env, (std::vector<std::string>{"JANUS_LLM_API_KEY", "JANUS_PLATFORM_URL"}));
  EXPECT_FALSE(check_admin_limits(made.model, limits).has_value());
}

TEST(sandbox_model, keeps_within_the_admin_ceilings_and_meets_their_other_rules) {
  container_run_request run;
  run.image = "registry.example/miners/x:1";
  run.env = {{"LD_PRELOAD", "/evil.so"}};
  admin_limits limits;
  limits.max_memory = std::size_t{256} << 20;
  limits.max_cpus = 0.5;
  limits.max_concurrency = 2;
  auto made = make_sandbox_model(run, "abc", "c1", 1s, limits);
  EXPECT_EQ(made.model.resources.memory, std::size_t{256} << 20);
  EXPECT_EQ(made.model.resources.cpus, 0.5);
  EXPECT_EQ(made.model.max_concurrency, 2);
  auto denied = check_admin_limits(made.model, limits);
  ASSERT_TRUE(denied.has_value());
  EXPECT_EQ(denied->message.rfind("env.LD_PRELOAD: may not be set", 0), 0u) << denied->message;
  run.env.clear();
  limits.allowed_images = {"janus-"};
  auto refused = check_admin_limits(make_sandbox_model(run, "abc", "c1", 1s, limits).model, limits);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->message.rfind("image: `registry.example/miners/x:1` does not start", 0), 0u);
}

// -- configuration ----------------------------------------------------------------------------

TEST(sandbox_config, is_off_by_default_and_reads_every_key) {
  auto plain = parse_config(docker_model);
  EXPECT_FALSE(plain.sandbox.enabled);
  EXPECT_EQ(plain.sandbox.auth, sandbox_auth::admin);
  EXPECT_EQ(plain.sandbox.default_timeout, 1h);
  EXPECT_EQ(plain.sandbox.max_timeout, 24h);
  EXPECT_EQ(plain.sandbox.max_sandboxes, 16);
  EXPECT_EQ(plain.sandbox.max_containers_per_sandbox, 4);
  auto full = parse_config(std::string{docker_model}
                           + "admin:\n  token: t\n"
                             "sandbox:\n  enabled: true\n  auth: admin\n  default_timeout: 10m\n"
                             "  max_timeout: 2h\n  max_sandboxes: 3\n"
                             "  max_containers_per_sandbox: 2\n"
                             "  public_url: https://gw.example:8443/\n");
  EXPECT_TRUE(full.sandbox.enabled);
  EXPECT_EQ(full.sandbox.default_timeout, 10min);
  EXPECT_EQ(full.sandbox.max_timeout, 2h);
  EXPECT_EQ(full.sandbox.max_sandboxes, 3);
  EXPECT_EQ(full.sandbox.max_containers_per_sandbox, 2);
  EXPECT_EQ(full.sandbox.public_url, "https://gw.example:8443");
}

TEST(sandbox_config, refuses_open_routes_a_process_runtime_and_bad_values_naming_the_key) {
  EXPECT_EQ(config_error_of(std::string{docker_model} + "sandbox:\n  enabled: true\n"),
            "sandbox.auth: admin needs admin.token or admin.token_env (the routes are never open)");
  EXPECT_EQ(config_error_of(std::string{docker_model}
                            + "admin:\n  token: t\nsandbox:\n  enabled: true\n  auth: api_keys\n"),
            "sandbox.auth: api_keys needs auth.api_keys_file or auth.api_keys_env (the routes are "
            "never open)");
  EXPECT_EQ(config_error_of("admin:\n  token: t\nsandbox:\n  enabled: true\n"
                            "models:\n  m:\n    command: [x]\n"),
            "sandbox.enabled: needs runtime: docker (a sandbox runs images, isolated)");
  EXPECT_EQ(config_error_of(std::string{docker_model} + "sandbox:\n  auth: root\n"),
            "sandbox.auth: expected \"admin\" or \"api_keys\", got \"root\"");
  EXPECT_EQ(config_error_of(std::string{docker_model} + "sandbox:\n  default_timeout: 2d\n")
              .rfind("sandbox.default_timeout:", 0),
            0u);
  EXPECT_EQ(config_error_of(std::string{docker_model}
                            + "sandbox:\n  default_timeout: 3h\n  max_timeout: 2h\n"),
            "sandbox.default_timeout: must be at most sandbox.max_timeout (7200 s)");
  EXPECT_EQ(config_error_of(std::string{docker_model} + "sandbox:\n  max_sandboxes: 0\n")
              .rfind("sandbox.max_sandboxes:", 0),
            0u);
  EXPECT_EQ(config_error_of(std::string{docker_model} + "sandbox:\n  public_url: ftp://x\n")
              .rfind("sandbox.public_url: expected http:// or https://", 0),
            0u);
  EXPECT_EQ(config_error_of(std::string{docker_model} + "sandbox:\n  public_url: http://h/p\n")
              .rfind("sandbox.public_url:", 0),
            0u);
  EXPECT_EQ(config_error_of(std::string{docker_model} + "sandbox:\n  enable: true\n")
              .rfind("sandbox.enable:", 0),
            0u);
}

} // namespace
} // namespace janus
