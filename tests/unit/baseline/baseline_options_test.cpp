#include "apps/janus-baseline/baseline_options.hpp"

#include <gtest/gtest.h>

#include <map>

namespace janus::baseline {
namespace {

baseline_options parse(std::map<std::string, std::string> env) {
  return parse_baseline_options([&env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) {
      return std::nullopt;
    }
    return it->second;
  });
}

std::string error_of(std::map<std::string, std::string> env) {
  try {
    parse(std::move(env));
  } catch (const options_error& error) {
    return error.what();
  }
  return "no error";
}

TEST(baseline_options, an_empty_environment_gives_the_documented_defaults) {
  auto options = parse({});
  EXPECT_EQ(options.host, "0.0.0.0");
  EXPECT_EQ(options.port, 8080);
  EXPECT_EQ(options.tokens, 16u);
  EXPECT_EQ(options.token_delay_ms, 0u);
  EXPECT_FALSE(options.created);
  EXPECT_EQ(options.startup_delay_ms, 0u);
  EXPECT_FALSE(options.model);
}

TEST(baseline_options, every_variable_is_read) {
  auto options = parse({{"HOST", "::1"},
                        {"PORT", "9000"},
                        {"JANUS_BASELINE_TOKENS", "3"},
                        {"JANUS_BASELINE_TOKEN_DELAY_MS", "25"},
                        {"JANUS_BASELINE_CREATED", "1700000000"},
                        {"JANUS_BASELINE_STARTUP_DELAY_MS", "500"},
                        {"JANUS_BASELINE_MODEL", "tiny"}});
  EXPECT_EQ(options.host, "::1");
  EXPECT_EQ(options.port, 9000);
  EXPECT_EQ(options.tokens, 3u);
  EXPECT_EQ(options.token_delay_ms, 25u);
  EXPECT_EQ(options.created, 1700000000);
  EXPECT_EQ(options.startup_delay_ms, 500u);
  EXPECT_EQ(options.model, "tiny");
}

TEST(baseline_options, an_empty_value_counts_as_unset) {
  auto options = parse({{"PORT", ""}, {"JANUS_BASELINE_MODEL", ""}});
  EXPECT_EQ(options.port, 8080);
  EXPECT_FALSE(options.model);
}

TEST(baseline_options, a_bad_value_is_an_error_naming_the_variable_and_the_value) {
  EXPECT_EQ(error_of({{"PORT", "abc"}}), R"(PORT must be an integer in [0, 65535], got "abc")");
  EXPECT_NE(error_of({{"PORT", "65536"}}).find("PORT"), std::string::npos);
  EXPECT_NE(error_of({{"PORT", "80x"}}).find("PORT"), std::string::npos);
  EXPECT_NE(error_of({{"JANUS_BASELINE_TOKENS", "-1"}}).find("JANUS_BASELINE_TOKENS"),
            std::string::npos);
  EXPECT_NE(error_of({{"JANUS_BASELINE_TOKEN_DELAY_MS", "1.5"}})
              .find("JANUS_BASELINE_TOKEN_DELAY_MS"),
            std::string::npos);
  EXPECT_NE(error_of({{"JANUS_BASELINE_CREATED", "yesterday"}}).find("JANUS_BASELINE_CREATED"),
            std::string::npos);
  EXPECT_NE(error_of({{"JANUS_BASELINE_STARTUP_DELAY_MS", " 5"}})
              .find("JANUS_BASELINE_STARTUP_DELAY_MS"),
            std::string::npos);
}

TEST(baseline_options, host_must_be_a_numeric_address_not_a_name) {
  EXPECT_EQ(parse({{"HOST", "127.0.0.1"}}).host, "127.0.0.1");
  EXPECT_EQ(error_of({{"HOST", "localhost"}}),
            R"(HOST must be a numeric IPv4 or IPv6 address, got "localhost")");
}

TEST(baseline_options, the_platform_probe_at_start_reads_the_platform_url) {
  EXPECT_FALSE(parse({}).platform_probe);
  EXPECT_FALSE(parse({{"JANUS_BASELINE_PLATFORM_PROBE_AT_START", "0"},
                      {"JANUS_PLATFORM_URL", "http://127.0.0.1:9000"}})
                 .platform_probe);
  auto on = parse({{"JANUS_BASELINE_PLATFORM_PROBE_AT_START", "1"},
                   {"JANUS_PLATFORM_URL", "http://127.0.0.1:9000"}});
  ASSERT_TRUE(on.platform_probe);
  EXPECT_EQ(on.platform_probe->host, "127.0.0.1");
  EXPECT_EQ(on.platform_probe->port, 9000);
  EXPECT_EQ(on.platform_probe->path, "/");
  EXPECT_EQ(error_of({{"JANUS_BASELINE_PLATFORM_PROBE_AT_START", "yes"}}),
            R"(JANUS_BASELINE_PLATFORM_PROBE_AT_START must be 0 or 1, got "yes")");
  EXPECT_EQ(error_of({{"JANUS_BASELINE_PLATFORM_PROBE_AT_START", "1"}}),
            "JANUS_BASELINE_PLATFORM_PROBE_AT_START=1 needs JANUS_PLATFORM_URL to be "
            R"(http://<IPv4 address>:<port>[/path], got "")");
}

TEST(baseline_options, a_platform_url_is_http_to_a_numeric_ipv4_address) {
  auto with_path = parse_http_url("http://10.1.2.3:81/v1/x");
  ASSERT_TRUE(with_path);
  EXPECT_EQ(with_path->host, "10.1.2.3");
  EXPECT_EQ(with_path->port, 81);
  EXPECT_EQ(with_path->path, "/v1/x");
  auto default_port = parse_http_url("http://127.0.0.1");
  ASSERT_TRUE(default_port);
  EXPECT_EQ(default_port->port, 80);
  for (const auto* bad : {"https://127.0.0.1:9000", "http://platform:9000", "http://[::1]:9000",
                          "http://127.0.0.1:0", "http://127.0.0.1:65536", "http://127.0.0.1:9x",
                          "127.0.0.1:9000", ""}) {
    EXPECT_FALSE(parse_http_url(bad)) << bad;
  }
}

} // namespace
} // namespace janus::baseline
