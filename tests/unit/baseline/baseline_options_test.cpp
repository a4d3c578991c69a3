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

TEST(baseline_options, contract_breaks_are_off_unless_listed) {
  auto options = parse({});
  EXPECT_FALSE(options.breaks.no_done);
  EXPECT_FALSE(options.breaks.ignore_sigterm);
  auto listed = parse({{"JANUS_BASELINE_BREAK", "no_done,ignore_sigterm"}});
  EXPECT_TRUE(listed.breaks.no_done);
  EXPECT_TRUE(listed.breaks.ignore_sigterm);
  EXPECT_FALSE(listed.breaks.wrong_chunk_object);
  EXPECT_FALSE(listed.breaks.slow_boot);
}

TEST(baseline_options, every_contract_break_is_known_by_its_name) {
  EXPECT_TRUE(parse({{"JANUS_BASELINE_BREAK", "wrong_chunk_object"}}).breaks.wrong_chunk_object);
  EXPECT_TRUE(parse({{"JANUS_BASELINE_BREAK", "no_usage"}}).breaks.no_usage);
  EXPECT_TRUE(parse({{"JANUS_BASELINE_BREAK", "chat_no_usage"}}).breaks.chat_no_usage);
  EXPECT_TRUE(parse({{"JANUS_BASELINE_BREAK", "models_not_list"}}).breaks.models_not_list);
  EXPECT_TRUE(parse({{"JANUS_BASELINE_BREAK", "error_500"}}).breaks.error_500);
}

TEST(baseline_options, slow_boot_delays_listening_past_any_test_startup_timeout) {
  auto options = parse({{"JANUS_BASELINE_BREAK", "slow_boot"}});
  EXPECT_TRUE(options.breaks.slow_boot);
  EXPECT_EQ(options.startup_delay_ms, slow_boot_delay_ms);
}

TEST(baseline_options, an_unknown_contract_break_is_an_error_listing_the_known_ones) {
  auto error = error_of({{"JANUS_BASELINE_BREAK", "no_done,nope"}});
  EXPECT_NE(error.find("JANUS_BASELINE_BREAK must be a comma-separated list of no_done"),
            std::string::npos)
    << error;
  EXPECT_NE(error.find(R"(got "no_done,nope")"), std::string::npos) << error;
}

TEST(baseline_options, host_must_be_a_numeric_address_not_a_name) {
  EXPECT_EQ(parse({{"HOST", "127.0.0.1"}}).host, "127.0.0.1");
  EXPECT_EQ(error_of({{"HOST", "localhost"}}),
            R"(HOST must be a numeric IPv4 or IPv6 address, got "localhost")");
}

TEST(baseline_options, agent_mode_reads_the_platform_endpoint_and_token) {
  auto options = parse({{"JANUS_BASELINE_MODE", "agent"},
                        {"JANUS_PLATFORM_URL", "http://127.0.0.1:4123"},
                        {"JANUS_LLM_API_KEY", "tok"}});
  EXPECT_TRUE(options.agent);
  EXPECT_FALSE(options.probe_platform_at_start);
  EXPECT_EQ(options.platform_host, "127.0.0.1");
  EXPECT_EQ(options.platform_port, 4123);
  EXPECT_EQ(options.platform_token, "tok");
  EXPECT_TRUE(parse({{"JANUS_BASELINE_PLATFORM_PROBE_AT_START", "1"},
                     {"JANUS_PLATFORM_URL", "http://[::1]:9/"}})
                .probe_platform_at_start);
}

TEST(baseline_options, agent_mode_without_a_numeric_platform_url_is_an_error_naming_it) {
  EXPECT_EQ(error_of({{"JANUS_BASELINE_MODE", "agent"}, {"JANUS_PLATFORM_URL", "http://host:1"}}),
            "JANUS_PLATFORM_URL must be http://<numeric address>:<port> in agent mode or with the "
            "platform probe, got \"http://host:1\"");
  EXPECT_EQ(error_of({{"JANUS_BASELINE_MODE", "smart"}}),
            "JANUS_BASELINE_MODE must be echo or agent, got \"smart\"");
  EXPECT_EQ(error_of({{"JANUS_BASELINE_PLATFORM_PROBE_AT_START", "yes"}}),
            "JANUS_BASELINE_PLATFORM_PROBE_AT_START must be 0 or 1, got \"yes\"");
}

} // namespace
} // namespace janus::baseline
