#include "http/fallback_target.hpp"

#include <gtest/gtest.h>


namespace janus::http {
namespace {

fallback_config config_of(std::string url) {
  fallback_config config;
  config.url = std::move(url);
  config.when = 1;
  config.max_connections = 2;
  config.headers.push_back({"Authorization", "Bearer sk-direct", "env KEY"});
  return config;
}

TEST(fallback_target, renders_host_and_credentials_once_and_names_the_upstream_without_them) {
  auto made = make_fallback_target("m", config_of("http://127.0.0.1:8123/v1/chat/completions"));
  ASSERT_TRUE(made) << made.error().message;
  const auto& target = *made.value();
  EXPECT_EQ(target.name, "http://127.0.0.1:8123");
  EXPECT_EQ(target.upstream.path, "/v1/chat/completions");
  EXPECT_EQ(target.fixed_fields, "Host: 127.0.0.1:8123\r\nAuthorization: Bearer sk-direct\r\n");
  EXPECT_EQ(target.tls, nullptr);
  EXPECT_EQ(target.pool_key, "fallback m");
}

TEST(fallback_target, https_gets_a_verifying_context_and_a_bad_ca_file_names_the_key) {
  auto made = make_fallback_target("m", config_of("https://direct.example/v1/chat/completions"));
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_NE(made.value()->tls, nullptr);
  EXPECT_EQ(made.value()->trust, "the system CA store");
  auto config = config_of("https://direct.example/v1");
  config.ca_file = "/dev/null";
  auto bad = make_fallback_target("m", config);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("models.m.fallback.ca_file: ", 0), 0u) << bad.error().message;
}

TEST(fallback_target, takes_at_most_max_connections_at_once) {
  auto made = make_fallback_target("m", config_of("http://127.0.0.1:1/"));
  ASSERT_TRUE(made);
  const auto& target = *made.value();
  EXPECT_TRUE(target.try_take());
  EXPECT_TRUE(target.try_take());
  EXPECT_FALSE(target.try_take()) << "max_connections 2";
  target.give_back();
  EXPECT_TRUE(target.try_take());
}

} // namespace
} // namespace janus::http
