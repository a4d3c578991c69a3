// Spec 95's TestSandyContainers flow over HTTP against a real janusd with the Docker runtime and
// the real baseline image: the Sandy-compatible routes (docs/sandy.md) create a sandbox, run the
// baseline in it (isolated, janusd's own platform variables), proxy chat and streamed chat to it,
// and remove its container on DELETE and at the sandbox's timeout; and refuse what they must.

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <chrono>
#include <string>

#include "tests/integration/docker_fixture.hpp"
#include "tests/support/http_client.hpp"

using namespace std::chrono_literals;

namespace janus::test {
namespace {

constexpr const char* token = "sandy-test-token";

const header_map auth{{"authorization", std::string{"Bearer "} + token}};

/// A parsed JSON answer (iterative parser, as the code under test parses).
rapidjson::Document json_of(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.c_str());
  return doc;
}

std::string string_member(const rapidjson::Document& doc, const char* name) {
  if (!doc.IsObject() || !doc.HasMember(name) || !doc[name].IsString()) {
    return {};
  }
  return doc[name].GetString();
}

class sandy_routes : public docker_runtime {
protected:
  /// janusd with the Docker runtime, one configured model that starts nothing, and the sandbox
  /// routes behind the admin token; `sandbox_yaml`: more lines of the `sandbox:` mapping.
  void start_sandy(const std::string& sandbox_yaml = {}) {
    start_docker(image_model("m", "    min_warm: 0\n    max_containers: 1\n"), {}, true,
                 std::string{"admin:\n  token: "} + token + "\nsandbox:\n  enabled: true\n"
                   + sandbox_yaml);
  }

  /// Creates a sandbox; its id.
  std::string create_sandbox(http_client& client, const std::string& body) {
    auto made = client.post_json("/api/sandboxes", body, auth);
    EXPECT_EQ(made.status, 201u) << made.body;
    auto id = string_member(json_of(made.body), "id");
    EXPECT_EQ(id.size(), 32u) << made.body;
    return id;
  }

  /// The `docker ps` id of the one running container of model `model`, "" when none.
  std::string container_of(const std::string& model) {
    return sh(docker_ + " ps -q --filter label=janus.engine=" + engine_id_
              + " --filter label=janus.model=" + model)
      .out;
  }
};

TEST_F(sandy_routes, sandy_flow_runs_the_baseline_proxies_chat_and_streams_and_delete_removes_it) {
  start_sandy();
  http_client client{port_, 30s};
  // Create sandbox (TestSandyContainers: {"image": "janus-runtime"}).
  auto id = create_sandbox(client, R"({"image": "janus-runtime"})");
  ASSERT_FALSE(id.empty());
  // Run the baseline container, with a platform URL of its own that janusd must not use.
  auto ran = client.post_json("/api/sandboxes/" + id + "/container/run",
                              R"({"image": "janus-baseline:latest",
                                  "env": {"JANUS_PLATFORM_URL": "http://platform:8000",
                                          "SANDY_MARK": "from-sandy"}})",
                              auth);
  ASSERT_EQ(ran.status, 201u) << ran.body;
  auto run = json_of(ran.body);
  auto cid = string_member(run, "id");
  ASSERT_FALSE(cid.empty()) << ran.body;
  EXPECT_EQ(string_member(run, "container_id"), cid);
  auto model = string_member(run, "model");
  EXPECT_EQ(model, "sandbox-" + id + "-" + cid);
  EXPECT_EQ(string_member(run, "endpoint"), "http://127.0.0.1:" + std::to_string(port_)
                                                + "/api/sandboxes/" + id + "/container/" + cid
                                                + "/chat");
  ASSERT_TRUE(run["ignored_env"].IsArray());
  ASSERT_EQ(run["ignored_env"].Size(), 1u);
  EXPECT_STREQ(run["ignored_env"][0].GetString(), "JANUS_PLATFORM_URL");

  // Chat through the Sandy route (the test reads container.json()['id']).
  const std::string chat_path = "/api/sandboxes/" + id + "/container/" + cid + "/chat";
  auto answer = client.post_json(chat_path, chat("test", "Hello"), auth);
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_NE(answer.body.find("Hello"), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find("chat.completion"), std::string::npos) << answer.body;

  // The container: hardened and isolated as a pool's, with janusd's platform variables.
  auto docker_id = container_of(model);
  ASSERT_FALSE(docker_id.empty()) << sh(docker_ + " ps -a").out;
  auto env = inspect(docker_id, "{{range .Config.Env}}{{println .}}{{end}}");
  EXPECT_NE(env.find("SANDY_MARK=from-sandy"), std::string::npos) << env;
  EXPECT_EQ(env.find("platform:8000"), std::string::npos) << env;
  EXPECT_NE(env.find("JANUS_PLATFORM_URL=http://127.0.0.1:"), std::string::npos) << env;
  EXPECT_EQ(inspect(docker_id, "{{.HostConfig.NetworkMode}}"), "none");
  EXPECT_EQ(inspect(docker_id, "{{.HostConfig.ReadonlyRootfs}}"), "true");
  EXPECT_EQ(inspect(docker_id, "{{json .NetworkSettings.Ports}}"), "{}");

  // Streamed as on /v1: frames, then data: [DONE].
  auto stream = client.post_json_streaming(chat_path, chat("test", "Count to 3", R"("stream":true)"),
                                           {}, auth);
  ASSERT_EQ(stream.status, 200u) << stream.body;
  EXPECT_EQ(stream.header("content-type").rfind("text/event-stream", 0), 0u);
  ASSERT_GT(stream.frames.size(), 1u) << stream.body;
  EXPECT_EQ(stream.frames.back().text, "data: [DONE]");

  // Not a public model: hidden from /v1/models and refused on /v1/chat/completions.
  auto models = client.get("/v1/models");
  EXPECT_EQ(models.body.find("sandbox-"), std::string::npos) << models.body;
  auto direct = client.post_json("/v1/chat/completions", chat(model, "Hello"));
  EXPECT_EQ(direct.status, 404u) << direct.body;

  auto shown = client.get("/api/sandboxes/" + id, auth);
  ASSERT_EQ(shown.status, 200u) << shown.body;
  EXPECT_NE(shown.body.find(R"("container_id":")" + cid + "\""), std::string::npos) << shown.body;

  // The sandbox owns its pool: the admin API neither removes nor scales it behind its back.
  auto removed = client.request("DELETE", "/admin/models/" + model, "", auth);
  EXPECT_EQ(removed.status, 409u) << removed.body;
  EXPECT_NE(removed.body.find("DELETE /api/sandboxes/{id}"), std::string::npos) << removed.body;
  auto scaled = client.post_json("/admin/pools/" + model + "/scale", R"({"max_containers":2})", auth);
  EXPECT_EQ(scaled.status, 409u) << scaled.body;
  EXPECT_EQ(client.post_json(chat_path, chat("test", "Hello"), auth).status, 200u);

  // DELETE ends it: the container is stopped and removed.
  auto deleted = client.request("DELETE", "/api/sandboxes/" + id, "", auth);
  ASSERT_EQ(deleted.status, 200u) << deleted.body;
  EXPECT_NE(deleted.body.find(R"("containers_removed":1)"), std::string::npos) << deleted.body;
  EXPECT_TRUE(eventually(30s, [&] { return containers(true).empty(); }))
    << sh(docker_ + " ps -a --filter label=janus.engine=" + engine_id_).out;
  auto after = client.post_json(chat_path, chat("test", "Hello"), auth);
  EXPECT_EQ(after.status, 404u) << after.body;
  EXPECT_NE(after.body.find(R"("code":"sandbox_not_found")"), std::string::npos) << after.body;
  EXPECT_EQ(client.request("DELETE", "/api/sandboxes/" + id, "", auth).status, 404u);
}

TEST_F(sandy_routes, sandy_containers_outlive_a_sighup_reload_of_the_config_file) {
  start_sandy();
  http_client client{port_, 30s};
  auto id = create_sandbox(client, R"({"image": "janus-runtime"})");
  ASSERT_FALSE(id.empty());
  auto ran = client.post_json("/api/sandboxes/" + id + "/container/run",
                              R"({"image": "janus-baseline:latest"})", auth);
  ASSERT_EQ(ran.status, 201u) << ran.body;
  auto run = json_of(ran.body);
  auto cid = string_member(run, "id");
  auto model = string_member(run, "model");
  const std::string chat_path = "/api/sandboxes/" + id + "/container/" + cid + "/chat";
  ASSERT_EQ(client.post_json(chat_path, chat("test", "before"), auth).status, 200u);
  auto before = container_of(model);
  ASSERT_FALSE(before.empty());
  // The same file again: its models are unchanged, and the sandbox's pool is none of its own.
  reload(image_model("m", "    min_warm: 0\n    max_containers: 1\n"));
  ASSERT_TRUE(eventually(10s, [&] {
    return janusd_->log().find("configuration reloaded") != std::string::npos;
  })) << janusd_->log();
  EXPECT_NE(janusd_->log().find("removed=0"), std::string::npos)
    << "the reload removed the sandbox's pool";
  auto after = client.post_json(chat_path, chat("test", "after"), auth);
  EXPECT_EQ(after.status, 200u) << after.body;
  EXPECT_EQ(container_of(model), before) << "the sandbox's container was replaced";
}

TEST_F(sandy_routes, sandy_timeout_ends_the_sandbox_and_removes_its_container) {
  start_sandy();
  http_client client{port_, 30s};
  auto id = create_sandbox(client, R"({"image": "janus-runtime", "timeout": 4})");
  ASSERT_FALSE(id.empty());
  auto ran = client.post_json("/api/sandboxes/" + id + "/container/run",
                              R"({"image": "janus-baseline:latest"})", auth);
  ASSERT_EQ(ran.status, 201u) << ran.body;
  auto cid = string_member(json_of(ran.body), "id");
  auto answer = client.post_json("/api/sandboxes/" + id + "/container/" + cid + "/chat",
                                 chat("test", "Hello"), auth);
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_FALSE(containers().empty());
  EXPECT_TRUE(eventually(30s, [&] { return containers(true).empty(); }))
    << sh(docker_ + " ps -a --filter label=janus.engine=" + engine_id_).out;
  EXPECT_EQ(client.get("/api/sandboxes/" + id, auth).status, 404u);
  EXPECT_NE(janusd_->log().find("reason=expired"), std::string::npos);
}

TEST_F(sandy_routes, sandy_routes_refuse_no_auth_unknown_ids_bad_bodies_and_past_their_limits) {
  start_sandy("  max_sandboxes: 2\n  max_containers_per_sandbox: 1\n");
  http_client client{port_, 30s};
  // No credential, or the wrong one: 401, and nothing is made.
  auto open = client.post_json("/api/sandboxes", "{}");
  EXPECT_EQ(open.status, 401u) << open.body;
  EXPECT_EQ(open.header("www-authenticate"), "Bearer");
  EXPECT_EQ(client.post_json("/api/sandboxes", "{}", {{"authorization", "Bearer nope"}}).status, 401u);
  // Unknown and malformed ids.
  const std::string ghost(32, 'f');
  auto unknown = client.get("/api/sandboxes/" + ghost, auth);
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_NE(unknown.body.find(R"("code":"sandbox_not_found")"), std::string::npos) << unknown.body;
  EXPECT_EQ(client.post_json("/api/sandboxes/" + ghost + "/container/run",
                             R"({"image": "janus-baseline:latest"})", auth)
              .status,
            404u);
  EXPECT_EQ(client.post_json("/api/sandboxes/" + ghost + "/container/c1/chat", chat("t", "x"), auth)
              .status,
            404u);
  auto bad_id = client.get("/api/sandboxes/a.b", auth);
  EXPECT_EQ(bad_id.status, 400u) << bad_id.body;
  EXPECT_EQ(client.get("/api/sandboxes/x/y", auth).status, 404u);
  // Methods.
  auto wrong = client.get("/api/sandboxes", auth);
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(wrong.header("allow"), "POST");
  // Bodies.
  auto bad_body = client.post_json("/api/sandboxes", R"({"timeout": "soon"})", auth);
  EXPECT_EQ(bad_body.status, 400u);
  EXPECT_NE(bad_body.body.find("timeout: must be a number of seconds"), std::string::npos);
  EXPECT_EQ(client.post_json("/api/sandboxes", R"({"timeout": 999999})", auth).status, 400u);
  auto id = create_sandbox(client, "{}");
  auto denied = client.post_json("/api/sandboxes/" + id + "/container/run",
                                 R"({"image": "janus-baseline:latest",
                                     "env": {"LD_PRELOAD": "/tmp/x.so"}})",
                                 auth);
  EXPECT_EQ(denied.status, 400u) << denied.body;
  EXPECT_NE(denied.body.find("admin.limits.denied_env"), std::string::npos) << denied.body;
  EXPECT_EQ(client.post_json("/api/sandboxes/" + id + "/container/run", R"({"env": {}})", auth).status,
            400u);
  // Past the limits: 429 with a clear error, and Retry-After.
  auto first = client.post_json("/api/sandboxes/" + id + "/container/run",
                                R"({"image": "janus-baseline:latest"})", auth);
  ASSERT_EQ(first.status, 201u) << first.body;
  // The chat route checks the body as /v1 does.
  auto cid = string_member(json_of(first.body), "id");
  auto bad_chat = client.post_json("/api/sandboxes/" + id + "/container/" + cid + "/chat",
                                   R"({"model": "test", "messages": "hi"})", auth);
  EXPECT_EQ(bad_chat.status, 400u) << bad_chat.body;
  EXPECT_NE(bad_chat.body.find("messages"), std::string::npos) << bad_chat.body;
  EXPECT_EQ(client.post_json("/api/sandboxes/" + id + "/container/c9/chat", chat("t", "x"), auth)
              .status,
            404u);
  auto second = client.post_json("/api/sandboxes/" + id + "/container/run",
                                 R"({"image": "janus-baseline:latest"})", auth);
  EXPECT_EQ(second.status, 429u) << second.body;
  EXPECT_NE(second.body.find("sandbox.max_containers_per_sandbox"), std::string::npos);
  ASSERT_FALSE(create_sandbox(client, "{}").empty());
  auto over = client.post_json("/api/sandboxes", "{}", auth);
  EXPECT_EQ(over.status, 429u) << over.body;
  EXPECT_NE(over.body.find(R"("code":"sandbox_limit_reached")"), std::string::npos) << over.body;
  EXPECT_NE(over.body.find("sandbox.max_sandboxes"), std::string::npos) << over.body;
  EXPECT_FALSE(over.header("retry-after").empty());
  // Deleting one frees its place.
  ASSERT_EQ(client.request("DELETE", "/api/sandboxes/" + id, "", auth).status, 200u);
  EXPECT_FALSE(create_sandbox(client, "{}").empty());
}

} // namespace
} // namespace janus::test
