// The Sandy-compatible routes' formatting (http/sandbox_routes.hpp) and the sandbox service's
// work against a fake admin broker (http/sandbox_service.hpp): which pools it adds and removes,
// and that a reservation is given back on every path.

#include "http/sandbox_routes.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <rapidjson/document.h>

#include <optional>
#include <vector>

#include "http/request_head.hpp"
#include "http/sandbox_service.hpp"
#include "model/api_keys.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

using namespace std::chrono_literals;

namespace janus::http {
namespace {

namespace asio = boost::asio;

/// Records the pools added and removed; answers adds at once unless `hold_adds`.
class fake_admin : public admin_broker {
public:
  void scale(std::string, scale_request, status_handler on_done) override {
    on_done(error_info{errc::internal, "not used"});
  }
  void drain(std::string, drain_handler on_done) override {
    on_done(error_info{errc::internal, "not used"});
  }
  void add_model(model_config model, done_handler on_done) override {
    added.push_back(model);
    if (hold_adds) {
      held = std::move(on_done);
      return;
    }
    if (refuse_adds) {
      on_done(error_info{errc::conflict, "the model exists already"});
      return;
    }
    on_done(model.name);
  }
  void remove_model(std::string model, done_handler on_done) override {
    removed.push_back(model);
    on_done(model);
  }

  std::vector<model_config> added;
  std::vector<std::string> removed;
  bool hold_adds = false;
  bool refuse_adds = false;
  done_handler held;
};

sandbox_config enabled_config() {
  sandbox_config config;
  config.enabled = true;
  config.max_sandboxes = 2;
  config.max_containers_per_sandbox = 2;
  return config;
}

/// Runs `service.run(...)` to its end on `io`; the answer, or nullopt when it is still waiting.
std::optional<result<sandbox_run>> run_on(asio::io_context& io, sandbox_service& service,
                                          const std::string& id, container_run_request request) {
  auto answer = std::make_shared<std::optional<result<sandbox_run>>>();
  asio::co_spawn(
    io,
    [&service, id, request, answer]() -> asio::awaitable<void> {
      *answer = co_await service.run(id, request);
    },
    asio::detached);
  io.restart();
  io.run_for(200ms); // returns as soon as the run ends; a held add keeps it waiting
  return *answer;
}

container_run_request baseline_run() {
  container_run_request run;
  run.image = "janus-baseline:latest";
  run.env = {{"JANUS_PLATFORM_URL", "http://platform:8000"}, {"MY_FLAG", "1"}};
  return run;
}

/// judge_head's verdict on `method path` with `authorization` (none when empty).
head_verdict judge_sandbox(const std::string& method, const std::string& path,
                           const std::string& authorization, const head_policy& policy) {
  std::string raw = method + " " + path + " HTTP/1.1\r\nHost: h\r\n";
  if (!authorization.empty()) {
    raw += "Authorization: " + authorization + "\r\n";
  }
  raw += "\r\n";
  boost::beast::http::request_parser<boost::beast::http::empty_body> parser;
  boost::beast::error_code ec;
  parser.put(asio::buffer(raw), ec);
  EXPECT_FALSE(ec) << ec.message();
  return judge_head(parser.get().base(), path, policy);
}

TEST(sandbox_routes, are_routed_only_when_enabled_and_never_without_their_credential) {
  EXPECT_EQ(route_of("/api/sandboxes", true, false), route::unknown);
  EXPECT_EQ(route_of("/api/sandboxes/x/container/run", false, true), route::sandbox);
  EXPECT_EQ(route_of("/api/sandboxesx", false, true), route::unknown);
  head_policy admin_policy;
  admin_policy.admin_token = "tok";
  admin_policy.sandbox_enabled = true;
  EXPECT_EQ(judge_sandbox("POST", "/api/sandboxes", "", admin_policy).refusal.code,
            errc::admin_unauthorized);
  EXPECT_EQ(judge_sandbox("POST", "/api/sandboxes", "Bearer nope", admin_policy).refusal.code,
            errc::admin_unauthorized);
  auto ok = judge_sandbox("POST", "/api/sandboxes", "Bearer tok", admin_policy);
  EXPECT_EQ(ok.refusal.code, errc::none);
  EXPECT_EQ(ok.target, route::sandbox);
  // Unknown shapes under the prefix are the handler's 404, after the credential.
  EXPECT_EQ(judge_sandbox("GET", "/api/sandboxes/x/y", "", admin_policy).refusal.code,
            errc::admin_unauthorized);
  api_key_set keys;
  keys.add_list("sk-client", "test");
  head_policy key_policy = admin_policy;
  key_policy.api_keys = &keys;
  key_policy.sandbox_needs_api_key = true;
  EXPECT_EQ(judge_sandbox("POST", "/api/sandboxes", "Bearer tok", key_policy).refusal.code,
            errc::invalid_api_key);
  EXPECT_EQ(judge_sandbox("POST", "/api/sandboxes", "Bearer sk-client", key_policy).refusal.code,
            errc::none);
  head_policy off;
  off.admin_token = "tok";
  EXPECT_EQ(judge_sandbox("POST", "/api/sandboxes", "Bearer tok", off).refusal.code,
            errc::no_route);
}

TEST(sandbox_routes, the_base_url_is_the_public_url_else_the_host_else_the_listener) {
  sandbox_config config;
  server_config server;
  server.host = "127.0.0.1";
  EXPECT_EQ(sandbox_base_url(config, "localhost:8000", server, 8000), "http://localhost:8000");
  EXPECT_EQ(sandbox_base_url(config, "[::1]:9", server, 8000), "http://[::1]:9");
  EXPECT_EQ(sandbox_base_url(config, "", server, 8123), "http://127.0.0.1:8123");
  EXPECT_EQ(sandbox_base_url(config, "evil/path?x", server, 8123), "http://127.0.0.1:8123");
  EXPECT_EQ(sandbox_base_url(config, "a b", server, 8123), "http://127.0.0.1:8123");
  config.public_url = "https://gw.example";
  EXPECT_EQ(sandbox_base_url(config, "localhost:8000", server, 8000), "https://gw.example");
  EXPECT_EQ(sandbox_endpoint("http://h:1", "s1", "c1"), "http://h:1/api/sandboxes/s1/container/c1/chat");
}

TEST(sandbox_routes, a_sandbox_body_shows_ids_timeout_times_and_served_containers_only) {
  sandbox_table table{{4, 4}};
  auto now = std::chrono::steady_clock::now();
  ASSERT_TRUE(table.create("s1", "janus-runtime", 3600s, now).ok());
  ASSERT_TRUE(table.reserve("s1", "img", std::nullopt, now).ok());
  ASSERT_TRUE(table.confirm("s1", "c1"));
  ASSERT_TRUE(table.reserve("s1", "img", std::nullopt, now).ok()); // pending: not shown
  auto system_now = std::chrono::system_clock::time_point{} + std::chrono::seconds{1714564800};
  auto body = sandbox_body(*table.find("s1", now), "http://h:1", now, system_now);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.c_str());
  ASSERT_TRUE(doc.IsObject()) << body;
  EXPECT_STREQ(doc["id"].GetString(), "s1");
  EXPECT_STREQ(doc["sandbox_id"].GetString(), "s1");
  EXPECT_STREQ(doc["image"].GetString(), "janus-runtime");
  EXPECT_EQ(doc["timeout"].GetDouble(), 3600.0);
  EXPECT_STREQ(doc["created_at"].GetString(), "2024-05-01T12:00:00.000Z");
  EXPECT_STREQ(doc["expires_at"].GetString(), "2024-05-01T13:00:00.000Z");
  ASSERT_EQ(doc["containers"].Size(), 1u);
  const auto& c = doc["containers"][0];
  EXPECT_STREQ(c["id"].GetString(), "c1");
  EXPECT_STREQ(c["container_id"].GetString(), "c1");
  EXPECT_STREQ(c["model"].GetString(), "sandbox-s1-c1");
  EXPECT_STREQ(c["endpoint"].GetString(), "http://h:1/api/sandboxes/s1/container/c1/chat");
}

TEST(sandbox_service, a_run_adds_a_pool_of_one_that_chat_reaches_and_delete_removes) {
  asio::io_context io;
  fake_admin admin;
  sandbox_service service{enabled_config(), admin_limits{}, 128, admin, nullptr, nullptr};
  auto made = service.create(sandbox_request{"janus-runtime", 60s});
  ASSERT_TRUE(made.ok());
  const auto id = made.value().id;
  EXPECT_EQ(id.size(), 32u);
  EXPECT_TRUE(is_valid_sandbox_id(id));
  auto ran = run_on(io, service, id, baseline_run());
  ASSERT_TRUE(ran.has_value());
  ASSERT_TRUE(ran->ok()) << ran->error().message;
  EXPECT_EQ(ran->value().container.id, "c1");
  EXPECT_EQ(ran->value().ignored_env, std::vector<std::string>{"JANUS_PLATFORM_URL"});
  ASSERT_EQ(admin.added.size(), 1u);
  const auto& model = admin.added[0];
  EXPECT_EQ(model.name, "sandbox-" + id + "-c1");
  EXPECT_EQ(model.max_containers, 1);
  EXPECT_EQ(model.env.count("JANUS_PLATFORM_URL"), 0u);
  EXPECT_GT(model.idle_ttl, 59s);
  EXPECT_EQ(service.chat_model(id, "c1").value(), model.name);
  EXPECT_TRUE(service.is_sandbox_model(model.name));
  EXPECT_EQ(service.chat_model(id, "c2").error().code, errc::unknown_container);
  auto ended = service.terminate(id);
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended.value(), 1);
  EXPECT_EQ(admin.removed, std::vector<std::string>{model.name});
  EXPECT_EQ(service.chat_model(id, "c1").error().code, errc::unknown_sandbox);
  EXPECT_EQ(service.terminate(id).error().code, errc::unknown_sandbox);
  EXPECT_FALSE(service.is_sandbox_model(model.name));
}

TEST(sandbox_service, a_refused_run_gives_its_place_back_and_adds_nothing) {
  asio::io_context io;
  fake_admin admin;
  admin_limits limits;
  limits.allowed_images = {"registry.example/"};
  sandbox_service service{enabled_config(), limits, 128, admin, nullptr, nullptr};
  const auto id = service.create(sandbox_request{}).value().id;
  for (int i = 0; i < 3; ++i) {
    auto ran = run_on(io, service, id, baseline_run());
    ASSERT_TRUE(ran.has_value());
    ASSERT_FALSE(ran->ok());
    EXPECT_EQ(ran->error().code, errc::invalid_request); // not sandbox_limit: places came back
  }
  EXPECT_TRUE(admin.added.empty());
  limits.allowed_images.clear();
  sandbox_service open_service{enabled_config(), limits, 128, admin, nullptr, nullptr};
  const auto other = open_service.create(sandbox_request{}).value().id;
  admin.refuse_adds = true;
  for (int i = 0; i < 3; ++i) {
    auto ran = run_on(io, open_service, other, baseline_run());
    ASSERT_TRUE(ran.has_value());
    EXPECT_EQ(ran->error().code, errc::conflict);
  }
  EXPECT_EQ(open_service.get(other).value().containers.size(), 0u);
}

TEST(sandbox_service, a_sandbox_deleted_while_its_pool_is_added_has_that_pool_removed) {
  asio::io_context io;
  fake_admin admin;
  admin.hold_adds = true;
  sandbox_service service{enabled_config(), admin_limits{}, 128, admin, nullptr, nullptr};
  const auto id = service.create(sandbox_request{}).value().id;
  auto ran = run_on(io, service, id, baseline_run());
  EXPECT_FALSE(ran.has_value()); // waits for the add
  ASSERT_TRUE(admin.held);
  ASSERT_TRUE(service.terminate(id).ok());
  EXPECT_TRUE(admin.removed.empty()); // its pool is not added yet: the run removes it
  auto name = admin.added.at(0).name;
  admin.held(name);
  io.restart();
  io.run_for(200ms);
  EXPECT_EQ(admin.removed, std::vector<std::string>{name});
}

TEST(sandbox_service, the_reaper_ends_expired_sandboxes_and_limits_hold) {
  asio::io_context io;
  fake_admin admin;
  sandbox_service service{enabled_config(), admin_limits{}, 128, admin, nullptr, nullptr};
  const auto a = service.create(sandbox_request{"", 1s}).value().id;
  ASSERT_TRUE(service.create(sandbox_request{}).ok());
  EXPECT_EQ(service.create(sandbox_request{}).error().code, errc::sandbox_limit);
  ASSERT_TRUE(run_on(io, service, a, baseline_run())->ok());
  ASSERT_TRUE(run_on(io, service, a, baseline_run())->ok());
  EXPECT_EQ(run_on(io, service, a, baseline_run())->error().code, errc::sandbox_limit);
  EXPECT_EQ(service.reap(std::chrono::steady_clock::now()), 0u);
  EXPECT_EQ(service.reap(std::chrono::steady_clock::now() + 2s), 2u);
  EXPECT_EQ(admin.removed.size(), 2u);
  EXPECT_EQ(service.get(a).error().code, errc::unknown_sandbox);
  EXPECT_TRUE(service.create(sandbox_request{}).ok()); // its place is free again
}

} // namespace
} // namespace janus::http
