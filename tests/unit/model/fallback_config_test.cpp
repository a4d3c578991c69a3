// The `fallback` and `upstream` keys of a model, the reasons errors map to, and the admin API's
// refusal of them.

#include "model/admin.hpp"
#include "model/config.hpp"
#include "model/fallback_config.hpp"
#include "model/openai.hpp"

#include <gtest/gtest.h>

#include "tests/unit/model/config_error_of.hpp"

#include <cstdlib>
#include <string>

namespace janus {
namespace {

std::string error_of(const std::string& yaml) {
  return test::config_error_of(yaml);
}

std::string model_with(const std::string& settings) {
  return "models:\n  m:\n    command: [janus-baseline]\n" + settings;
}

constexpr std::uint8_t bit(fallback_reason reason) {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(reason));
}

TEST(fallback_config, a_model_without_fallback_has_none) {
  auto cfg = parse_config(model_with(""));
  EXPECT_FALSE(cfg.models[0].fallback.enabled());
  EXPECT_FALSE(cfg.models[0].fallback.falls_back_on(fallback_reason::no_capacity));
}

TEST(fallback_config, url_when_model_and_credentials_are_read) {
  ::setenv("JANUS_FALLBACK_TEST_KEY", "sk-direct", 1);
  ::setenv("JANUS_FALLBACK_TEST_ORG", "org-7", 1);
  auto cfg = parse_config(model_with("    fallback:\n"
                                     "      url: https://direct.example/v1/chat/completions\n"
                                     "      when: [no_capacity, queue_full]\n"
                                     "      model: org/direct-model\n"
                                     "      api_key_env: JANUS_FALLBACK_TEST_KEY\n"
                                     "      headers:\n"
                                     "        OpenAI-Organization: {env: JANUS_FALLBACK_TEST_ORG}\n"
                                     "      max_connections: 3\n"));
  const auto& f = cfg.models[0].fallback;
  EXPECT_EQ(f.url, "https://direct.example/v1/chat/completions");
  EXPECT_EQ(f.when, bit(fallback_reason::no_capacity) | bit(fallback_reason::queue_full));
  EXPECT_FALSE(f.always);
  EXPECT_TRUE(f.falls_back_on(fallback_reason::queue_full));
  EXPECT_FALSE(f.falls_back_on(fallback_reason::start_failed));
  EXPECT_EQ(f.model, "org/direct-model");
  EXPECT_EQ(f.max_connections, 3);
  ASSERT_EQ(f.headers.size(), 2u);
  EXPECT_EQ(f.headers[0].name, "Authorization");
  EXPECT_EQ(f.headers[0].value, "Bearer sk-direct");
  EXPECT_EQ(f.headers[0].source, "env JANUS_FALLBACK_TEST_KEY") << "what logs may show";
  EXPECT_EQ(f.headers[1].name, "OpenAI-Organization");
  EXPECT_EQ(f.headers[1].value, "org-7");
  EXPECT_EQ(cfg.models[0].max_containers, 4) << "the pool is unchanged";
}

TEST(fallback_config, each_bad_when_value_is_named_by_its_index) {
  EXPECT_EQ(error_of(model_with("    fallback:\n      url: http://127.0.0.1:9/v1/chat/completions\n"
                                "      when: [no_capacity, full]\n")),
            "models.m.fallback.when[1]: expected one of no_capacity, start_failed, queue_full, "
            "retries_failed, got \"full\"");
  EXPECT_EQ(error_of(model_with("    fallback:\n      url: http://127.0.0.1:9/x\n"
                                "      when: no_capacity\n")),
            "models.m.fallback.when: expected a list of no_capacity, start_failed, queue_full, "
            "retries_failed, got \"no_capacity\"");
  EXPECT_EQ(error_of(model_with("    fallback:\n      url: http://127.0.0.1:9/x\n")),
            "models.m.fallback.when: required with fallback.url: a list of no_capacity, "
            "start_failed, queue_full, retries_failed");
  EXPECT_NE(error_of(model_with("    fallback:\n      url: http://127.0.0.1:9/x\n"
                                "      when: always\n"))
              .find("models.m.fallback.when: write `upstream: URL`"),
            std::string::npos);
}

TEST(fallback_config, the_url_must_be_http_or_https_with_a_host) {
  auto when = std::string{"      when: [queue_full]\n"};
  EXPECT_EQ(error_of(model_with("    fallback:\n      url: ftp://x/y\n" + when)).rfind(
              "models.m.fallback.url: ", 0),
            0u);
  EXPECT_EQ(error_of(model_with("    fallback:\n      url: http:///v1\n" + when)).rfind(
              "models.m.fallback.url: ", 0),
            0u);
  EXPECT_EQ(error_of(model_with("    fallback:\n      when: [queue_full]\n")),
            "models.m.fallback.url: required: the direct deployment's http(s) URL");
  EXPECT_EQ(error_of(model_with("    fallback:\n      url: http://x/\n" + when
                                + "      mode: fast\n"))
              .rfind("models.m.fallback.mode", 0),
            0u)
    << "an unknown key is an error";
}

TEST(fallback_config, credentials_that_are_not_there_or_twice_are_errors) {
  ::unsetenv("JANUS_FALLBACK_TEST_UNSET");
  auto base = std::string{"    fallback:\n      url: http://127.0.0.1:9/x\n"
                          "      when: [queue_full]\n"};
  EXPECT_EQ(error_of(model_with(base + "      api_key_env: JANUS_FALLBACK_TEST_UNSET\n")),
            "models.m.fallback.api_key_env: the environment variable "
            "\"JANUS_FALLBACK_TEST_UNSET\" is not set or empty");
  ::setenv("JANUS_FALLBACK_TEST_KEY", "sk", 1);
  EXPECT_EQ(error_of(model_with(base + "      api_key_env: JANUS_FALLBACK_TEST_KEY\n"
                                       "      headers:\n        authorization: Bearer x\n")),
            "models.m.fallback.headers.authorization: set either api_key_env or an "
            "Authorization header");
  EXPECT_EQ(error_of(model_with(base + "      headers:\n        Host: x\n")),
            "models.m.fallback.headers.Host: janusd sets this header itself: it cannot be "
            "injected");
  EXPECT_EQ(error_of(model_with(base + "      headers:\n        content-TYPE: text/plain\n")),
            "models.m.fallback.headers.content-TYPE: janusd sends this header with every chat "
            "request (Content-Type, Accept, traceparent, tracestate): it cannot be set here");
  EXPECT_EQ(error_of(model_with(base + "      headers:\n        Accept: '*/*'\n")).rfind(
              "models.m.fallback.headers.Accept: janusd sends", 0),
            0u);
  EXPECT_EQ(error_of(model_with(base + "      ca_file: /nonexistent/ca.pem\n")),
            "models.m.fallback.ca_file: cannot read the file \"/nonexistent/ca.pem\"");
  EXPECT_EQ(error_of(model_with(base + "      ca_file: /dev/null\n")),
            "models.m.fallback.ca_file: no PEM certificate in \"/dev/null\"");
  EXPECT_EQ(error_of(model_with(base + "      model: \"a b\"\n")).rfind("models.m.fallback.model: ", 0),
            0u);
  EXPECT_EQ(error_of(model_with(base + "      max_connections: 0\n")).rfind(
              "models.m.fallback.max_connections: ", 0),
            0u);
}

TEST(fallback_config, an_upstream_only_model_has_no_containers) {
  auto cfg = parse_config("models:\n  direct:\n    upstream: http://127.0.0.1:9/v1/chat/completions\n"
                          "    fallback:\n      max_connections: 2\n");
  const auto& m = cfg.models[0];
  EXPECT_TRUE(m.fallback.always);
  EXPECT_EQ(m.fallback.url, "http://127.0.0.1:9/v1/chat/completions");
  EXPECT_EQ(m.fallback.max_connections, 2);
  EXPECT_TRUE(m.fallback.falls_back_on(fallback_reason::no_capacity));
  EXPECT_EQ(m.max_containers, 0);
  EXPECT_EQ(m.min_warm, 0);
  EXPECT_TRUE(m.command.empty());

  auto docker = parse_config("runtime: docker\nmodels:\n  direct:\n    upstream: https://x.example/v1\n");
  EXPECT_TRUE(docker.models[0].image.empty()) << "no image needed, none made up";
}

TEST(fallback_config, an_upstream_only_model_refuses_containers_and_a_second_url) {
  EXPECT_EQ(error_of(model_with("    upstream: http://127.0.0.1:9/x\n")),
            "models.m.command: an upstream-only model (upstream: set) runs no containers: leave "
            "it out");
  EXPECT_EQ(error_of("models:\n  m:\n    upstream: http://127.0.0.1:9/x\n"
                     "    fallback:\n      url: http://127.0.0.1:9/y\n      when: [queue_full]\n"),
            "models.m.upstream: an upstream-only model sends every request there: leave out "
            "fallback.url and fallback.when");
  EXPECT_EQ(error_of("models:\n  m:\n    upstream: unix:/x\n").rfind("models.m.upstream: ", 0), 0u);
}

TEST(fallback_reason, each_reason_maps_the_errors_of_the_request_path) {
  EXPECT_EQ(fallback_reason_of({errc::no_capacity, "x"}, false), fallback_reason::no_capacity);
  error_info failed_start{errc::no_capacity, "x"};
  failed_start.start_failed = true;
  EXPECT_EQ(fallback_reason_of(failed_start, false), fallback_reason::start_failed);
  EXPECT_EQ(fallback_reason_of({errc::queue_timeout, "x"}, false), fallback_reason::no_capacity);
  EXPECT_EQ(fallback_reason_of({errc::queue_full, "x"}, false), fallback_reason::queue_full);
  EXPECT_EQ(fallback_reason_of({errc::upstream_failed, "x"}, true), fallback_reason::retries_failed);
  EXPECT_EQ(fallback_reason_of({errc::upstream_timeout, "x"}, true), fallback_reason::retries_failed);
  for (auto kept : {errc::unknown_model, errc::shutting_down, errc::cancelled, errc::invalid_request,
                    errc::engine_overloaded}) {
    EXPECT_FALSE(fallback_reason_of({kept, "x"}, false)) << to_string(kept);
    EXPECT_FALSE(fallback_reason_of({kept, "x"}, true)) << to_string(kept);
  }
  EXPECT_FALSE(fallback_reason_of({errc::upstream_failed, "x"}, false));
  EXPECT_FALSE(fallback_reason_of({errc::queue_full, "x"}, true));
  for (std::size_t i = 0; i < fallback_reason_count; ++i) {
    auto reason = static_cast<fallback_reason>(i);
    EXPECT_EQ(parse_fallback_reason(to_string(reason)), reason);
  }
  EXPECT_FALSE(parse_fallback_reason("always"));
}

TEST(fallback_admin, an_added_model_may_not_carry_a_fallback_unless_allowed) {
  model_config model;
  model.name = "miner-1";
  model.image = "janus-baseline:latest";
  model.min_warm = 1;
  model.max_containers = 2;
  model.fallback.url = "http://169.254.169.254/latest";
  model.fallback.when = bit(fallback_reason::queue_full);
  admin_limits limits;
  auto refused = check_admin_limits(model, limits);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->message, "fallback: not allowed for a model added through the admin API "
                              "(admin.limits.allow_fallback is false)");
  model.fallback.always = true;
  refused = check_admin_limits(model, limits);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->message.rfind("upstream: ", 0), 0u);
  limits.allow_fallback = true;
  EXPECT_FALSE(check_admin_limits(model, limits));
  EXPECT_TRUE(parse_config("admin:\n  limits:\n    allow_fallback: true\n" + model_with(""))
                .admin.limits.allow_fallback);
}

TEST(chat_request_model_offset, marks_the_model_value_as_written) {
  std::string body = R"({"messages":[{"role":"user","content":"hi"}], "model" :  "a\"b\u0041" ,"stream":true})";
  auto info = inspect_chat_request(body, 32);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info.value().model, "a\"bA");
  EXPECT_EQ(body.substr(info.value().model_offset, info.value().model_length),
            R"("a\"b\u0041")");
  std::string first = R"({"model":"m","messages":[{"role":"user","content":"x"}]})";
  auto plain = inspect_chat_request(first, 32);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain.value().model_offset, 9u);
  EXPECT_EQ(plain.value().model_length, 3u);
}

TEST(rewrite_model, replaces_only_the_model_value) {
  std::string body = R"({"model" : "a\"b","messages":[{"role":"user","content":"\"model\":\"x\""}]})";
  auto info = inspect_chat_request(body, 32);
  ASSERT_TRUE(info);
  auto rewritten = rewrite_model(body, info.value(), "org/direct");
  EXPECT_EQ(rewritten,
            R"({"model" : "org/direct","messages":[{"role":"user","content":"\"model\":\"x\""}]})");
  auto again = inspect_chat_request(rewritten, 32);
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value().model, "org/direct");
}

} // namespace
} // namespace janus
