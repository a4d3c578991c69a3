#include "model/config.hpp"

#include <gtest/gtest.h>

#include "tests/unit/model/config_error_of.hpp"
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace janus {
namespace {

/// The smallest valid configuration: one model with a command.
constexpr const char* minimal_yaml = "models:\n"
                                     "  baseline:\n"
                                     "    command: [janus-baseline]\n";

std::string error_of(const std::string& yaml) {
  return test::config_error_of(yaml);
}

/// A config with `server_yaml` as the body of the `server` section (each line indented by 2).
std::string with_server(const std::string& server_yaml) {
  return "server:\n" + server_yaml + minimal_yaml;
}

/// A config whose one model `baseline` has `model_yaml` (each line indented by 4) as settings.
std::string with_model(const std::string& model_yaml) {
  return "models:\n  baseline:\n" + model_yaml;
}

/// A config whose one model has a command and `model_yaml` (indented by 4) as further settings.
std::string with_model_settings(const std::string& model_yaml) {
  return with_model("    command: [janus-baseline]\n" + model_yaml);
}

::testing::AssertionResult starts_with(const std::string& text, const std::string& prefix) {
  if (text.rfind(prefix, 0) == 0) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "\"" << text << "\" does not start with \"" << prefix
                                       << "\"";
}

// -- a whole file -------------------------------------------------------------------------------

TEST(config, a_full_config_round_trips_every_field) {
  const auto parsed = parse_config(R"(
server:
  listen: "0.0.0.0:9001"
  threads: 6
  max_body_bytes: 2MiB
  max_header_bytes: 32KiB
  read_timeout: 11s
  idle_timeout: 12s
  request_timeout: 13m
  upstream_timeout: 14s
  stream_idle_timeout: 15s
  max_retries: 3
  upstream_idle_connections: 17
  drain_timeout: 18s
platform:
  log_level: DEBUG
  timeout: 120s
  threads: 2
  max_header_bytes: 8KiB
  read_timeout: 4s
  idle_timeout: 5s
  max_connections: 7
  routes:
    /v1/chat/completions:
      upstream: https://llm.example/v1/chat/completions
      headers:
        Authorization: {value: secret, prefix: "Bearer "}
        X-Plain: plain
      timeout: 99s
      max_body_bytes: 2MiB
      max_concurrency: 3
      rate: 1.5
      burst: 4
    /extra:
      upstream: http://127.0.0.1:9999/api
  egress:
    allow: ["github.com:443", "*.debian.org:443"]
    connect_timeout: 2s
    idle_timeout: 3s
    total_timeout: 4m
log:
  level: debug
  format: json
runtime: process
docker:
  socket: unix:///run/docker.sock
  engine_id: edge-1
  max_parallel_starts: 8
  call_timeout: 5s
  model_as_image: true
models:
  baseline:
    command: ["janus-baseline", "--flag"]
    image: "janus/baseline:1"
    env: {JANUS_BASELINE_TOKENS: "24", OTHER: x}
    min_warm: 2
    max_containers: 5
    max_concurrency: 6
    idle_ttl: 7m
    max_requests: 1000
    max_age: 1h
    startup_timeout: 9s
    stop_grace: 3s
    queue_limit: 11
    queue_timeout: 12s
    health:
      path: /ready
      interval: 250ms
      timeout: 1.5s
      threshold: 4
    resources:
      memory: 1GiB
      cpus: 0.5
      pids_limit: 64
      read_only: false
      tmpfs_size: 16MiB
)");
  EXPECT_EQ(parsed.server.host, "0.0.0.0");
  EXPECT_EQ(parsed.server.port, 9001);
  EXPECT_EQ(parsed.server.threads, 6);
  EXPECT_EQ(parsed.server.max_body_bytes, 2u * 1024 * 1024);
  EXPECT_EQ(parsed.server.max_header_bytes, 32u * 1024);
  EXPECT_EQ(parsed.server.read_timeout, 11s);
  EXPECT_EQ(parsed.server.idle_timeout, 12s);
  EXPECT_EQ(parsed.server.request_timeout, 13min);
  EXPECT_EQ(parsed.server.upstream_timeout, 14s);
  EXPECT_EQ(parsed.server.stream_idle_timeout, 15s);
  EXPECT_EQ(parsed.server.max_retries, 3);
  EXPECT_EQ(parsed.server.upstream_idle_connections, 17);
  EXPECT_EQ(parsed.server.drain_timeout, 18s);

  EXPECT_EQ(parsed.platform.log_level, "DEBUG");
  EXPECT_EQ(parsed.platform.timeout, 120s);
  EXPECT_EQ(parsed.platform.threads, 2);
  EXPECT_EQ(parsed.platform.max_header_bytes, 8u * 1024);
  EXPECT_EQ(parsed.platform.read_timeout, 4s);
  EXPECT_EQ(parsed.platform.idle_timeout, 5s);
  EXPECT_EQ(parsed.platform.max_connections, 7);
  ASSERT_EQ(parsed.platform.routes.size(), 9u);
  const auto& llm = parsed.platform.routes.front();
  EXPECT_EQ(llm.prefix, "/v1/chat/completions");
  EXPECT_EQ(llm.upstream, "https://llm.example/v1/chat/completions");
  ASSERT_EQ(llm.headers.size(), 2u);
  EXPECT_EQ(llm.headers[0].name, "Authorization");
  EXPECT_EQ(llm.headers[0].value, "Bearer secret");
  EXPECT_EQ(llm.headers[1].value, "plain");
  EXPECT_EQ(llm.timeout, 99s);
  EXPECT_EQ(llm.max_body_bytes, 2u * 1024 * 1024);
  EXPECT_EQ(llm.max_concurrency, 3);
  EXPECT_DOUBLE_EQ(llm.rate, 1.5);
  EXPECT_DOUBLE_EQ(llm.burst, 4);
  EXPECT_EQ(parsed.platform.routes.back().prefix, "/extra");
  EXPECT_EQ(parsed.platform.egress.allow,
            (std::vector<std::string>{"github.com:443", "*.debian.org:443"}));
  EXPECT_EQ(parsed.platform.egress.connect_timeout, 2s);
  EXPECT_EQ(parsed.platform.egress.idle_timeout, 3s);
  EXPECT_EQ(parsed.platform.egress.total_timeout, 4min);

  EXPECT_EQ(parsed.log.level, "debug");
  EXPECT_EQ(parsed.log.format, "json");
  EXPECT_EQ(parsed.runtime, "process");
  EXPECT_EQ(parsed.docker.socket, "/run/docker.sock");
  EXPECT_EQ(parsed.docker.engine_id, "edge-1");
  EXPECT_EQ(parsed.docker.max_parallel_starts, 8);
  EXPECT_EQ(parsed.docker.call_timeout, 5s);
  EXPECT_TRUE(parsed.docker.model_as_image);

  ASSERT_EQ(parsed.models.size(), 1u);
  const model_config& model = parsed.models.front();
  EXPECT_EQ(model.name, "baseline");
  EXPECT_EQ(model.command, (std::vector<std::string>{"janus-baseline", "--flag"}));
  EXPECT_EQ(model.image, "janus/baseline:1");
  EXPECT_EQ(model.env,
            (std::map<std::string, std::string>{{"JANUS_BASELINE_TOKENS", "24"}, {"OTHER", "x"}}));
  EXPECT_EQ(model.min_warm, 2);
  EXPECT_EQ(model.max_containers, 5);
  EXPECT_EQ(model.max_concurrency, 6);
  EXPECT_EQ(model.idle_ttl, 7min);
  EXPECT_EQ(model.max_requests, 1000u);
  EXPECT_EQ(model.max_age, 1h);
  EXPECT_EQ(model.startup_timeout, 9s);
  EXPECT_EQ(model.stop_grace, 3s);
  EXPECT_EQ(model.queue_limit, 11);
  EXPECT_EQ(model.queue_timeout, 12s);
  EXPECT_EQ(model.health.path, "/ready");
  EXPECT_EQ(model.health.interval, 250ms);
  EXPECT_EQ(model.health.timeout, 1500ms);
  EXPECT_EQ(model.health.threshold, 4);
  EXPECT_EQ(model.resources.memory, 1u << 30);
  EXPECT_EQ(model.resources.cpus, 0.5);
  EXPECT_EQ(model.resources.pids_limit, 64);
  EXPECT_FALSE(model.resources.read_only);
  EXPECT_EQ(model.resources.tmpfs_size, 16u << 20);
}

TEST(config, missing_keys_take_their_defaults) {
  const auto parsed = parse_config(minimal_yaml);
  const config expected;
  EXPECT_EQ(parsed.server.host, expected.server.host);
  EXPECT_EQ(parsed.server.port, expected.server.port);
  EXPECT_EQ(parsed.server.threads, expected.server.threads);
  EXPECT_EQ(parsed.server.max_body_bytes, expected.server.max_body_bytes);
  EXPECT_EQ(parsed.server.max_header_bytes, expected.server.max_header_bytes);
  EXPECT_EQ(parsed.server.read_timeout, expected.server.read_timeout);
  EXPECT_EQ(parsed.server.idle_timeout, expected.server.idle_timeout);
  EXPECT_EQ(parsed.server.request_timeout, expected.server.request_timeout);
  EXPECT_EQ(parsed.server.upstream_timeout, expected.server.upstream_timeout);
  EXPECT_EQ(parsed.server.stream_idle_timeout, expected.server.stream_idle_timeout);
  EXPECT_EQ(parsed.server.max_retries, expected.server.max_retries);
  EXPECT_EQ(parsed.server.upstream_idle_connections, expected.server.upstream_idle_connections);
  EXPECT_EQ(parsed.server.drain_timeout, expected.server.drain_timeout);
  EXPECT_EQ(parsed.platform.routes.size(), 8u);
  EXPECT_EQ(parsed.platform.routes.front().upstream, "");
  EXPECT_TRUE(parsed.platform.egress.allow.empty());
  EXPECT_EQ(parsed.platform.log_level, "INFO");
  EXPECT_EQ(parsed.platform.timeout, 300s);
  EXPECT_EQ(parsed.log.level, "info");
  EXPECT_EQ(parsed.log.format, "text");
  EXPECT_EQ(parsed.runtime, "process");

  ASSERT_EQ(parsed.models.size(), 1u);
  const model_config& model = parsed.models.front();
  const model_config defaults;
  EXPECT_EQ(model.image, "");
  EXPECT_TRUE(model.env.empty());
  EXPECT_EQ(model.min_warm, defaults.min_warm);
  EXPECT_EQ(model.max_containers, defaults.max_containers);
  EXPECT_EQ(model.max_concurrency, defaults.max_concurrency);
  EXPECT_EQ(model.idle_ttl, defaults.idle_ttl);
  EXPECT_EQ(model.max_requests, 0u);
  EXPECT_EQ(model.max_age, duration::zero());
  EXPECT_EQ(model.startup_timeout, defaults.startup_timeout);
  EXPECT_EQ(model.stop_grace, defaults.stop_grace);
  EXPECT_EQ(model.queue_limit, defaults.queue_limit);
  EXPECT_EQ(model.queue_timeout, defaults.queue_timeout);
  EXPECT_EQ(model.health.path, "/health");
  EXPECT_EQ(model.health.interval, 5s);
  EXPECT_EQ(model.health.timeout, 2s);
  EXPECT_EQ(model.health.threshold, 3);
  EXPECT_EQ(model.resources.memory, 512u << 20);
  EXPECT_EQ(model.resources.cpus, 1.0);
  EXPECT_EQ(model.resources.pids_limit, 256);
  EXPECT_TRUE(model.resources.read_only);
  EXPECT_EQ(model.resources.tmpfs_size, 64u << 20);

  EXPECT_EQ(parsed.docker.socket, "/var/run/docker.sock");
  EXPECT_EQ(parsed.docker.engine_id, "janusd");
  EXPECT_EQ(parsed.docker.max_parallel_starts, 4);
  EXPECT_EQ(parsed.docker.call_timeout, 30s);
  EXPECT_FALSE(parsed.docker.model_as_image);
}

TEST(config, empty_sections_and_keys_without_a_value_take_their_defaults) {
  const auto parsed = parse_config("server:\nplatform:\nlog:\n"
                                   "models:\n"
                                   "  baseline:\n"
                                   "    command: [janus-baseline]\n"
                                   "    min_warm:\n"
                                   "    health: ~\n");
  EXPECT_EQ(parsed.server.port, 8000);
  EXPECT_EQ(parsed.models.front().min_warm, 1);
  EXPECT_EQ(parsed.models.front().health.path, "/health");
}

TEST(config, models_keep_the_order_of_the_file) {
  const auto parsed = parse_config("models:\n"
                                   "  zeta: {command: z}\n"
                                   "  alpha: {command: a}\n"
                                   "  org/model-1.5:latest: {command: m}\n");
  ASSERT_EQ(parsed.models.size(), 3u);
  EXPECT_EQ(parsed.models[0].name, "zeta");
  EXPECT_EQ(parsed.models[1].name, "alpha");
  EXPECT_EQ(parsed.models[2].name, "org/model-1.5:latest");
  EXPECT_EQ(parsed.models[1].command, std::vector<std::string>{"a"});
}

// -- listen -------------------------------------------------------------------------------------

TEST(config, listen_accepts_a_host_name_and_an_ipv6_address_in_brackets) {
  const auto named = parse_config(with_server("  listen: localhost:80\n"));
  EXPECT_EQ(named.server.host, "localhost");
  EXPECT_EQ(named.server.port, 80);
  const auto loopback = parse_config(with_server("  listen: \"[::1]:8000\"\n"));
  EXPECT_EQ(loopback.server.host, "::1");
  EXPECT_EQ(loopback.server.port, 8000);
  const auto any = parse_config(with_server("  listen: \"[::]:65535\"\n"));
  EXPECT_EQ(any.server.host, "::");
  EXPECT_EQ(any.server.port, 65535);
}

TEST(config, listen_without_a_port_names_the_key_and_the_value) {
  EXPECT_EQ(error_of(with_server("  listen: localhost\n")),
            "server.listen: expected host:port, got \"localhost\"");
}

TEST(config, listen_rejects_bad_ports_hosts_and_bare_ipv6) {
  for (const char* listen : {"127.0.0.1:0", "127.0.0.1:65536", "\"127.0.0.1:\"", "127.0.0.1:http",
                             ":8000", "\"::1:8000\"", "\"[::1]\"", "\"[::1]8000\"", "8000",
                             "\"[::1]:-1\""}) {
    EXPECT_TRUE(starts_with(error_of(with_server(std::string{"  listen: "} + listen + "\n")),
                            "server.listen: "))
      << listen;
  }
  EXPECT_EQ(error_of(with_server("  listen: 127.0.0.1:0\n")),
            "server.listen: port must be between 1 and 65535, got 0");
}

// -- durations ----------------------------------------------------------------------------------

TEST(parse_duration, accepts_every_unit) {
  EXPECT_EQ(parse_duration("250ms", "k"), 250ms);
  EXPECT_EQ(parse_duration("30s", "k"), 30s);
  EXPECT_EQ(parse_duration("5m", "k"), 5min);
  EXPECT_EQ(parse_duration("2h", "k"), 2h);
}

TEST(parse_duration, takes_a_bare_number_as_seconds) {
  EXPECT_EQ(parse_duration("30", "k"), 30s);
  EXPECT_EQ(parse_duration("0", "k"), duration::zero());
  EXPECT_EQ(parse_duration("0.5", "k"), 500ms);
}

TEST(parse_duration, accepts_fractions_of_any_unit) {
  EXPECT_EQ(parse_duration("1.5s", "k"), 1500ms);
  EXPECT_EQ(parse_duration("0.25m", "k"), 15s);
  EXPECT_EQ(parse_duration("1.5h", "k"), 90min);
  EXPECT_EQ(parse_duration(".5s", "k"), 500ms);
  EXPECT_EQ(parse_duration("0.1", "k"), 100ms);
}

TEST(parse_duration, rounds_to_the_nearest_millisecond) {
  EXPECT_EQ(parse_duration("1.4ms", "k"), 1ms);
  EXPECT_EQ(parse_duration("1.6ms", "k"), 2ms);
  EXPECT_EQ(parse_duration("0.0001s", "k"), duration::zero());
}

TEST(parse_duration, rejects_negative_empty_and_malformed_values_naming_the_key) {
  EXPECT_THROW(parse_duration("-5s", "k"), config_error);
  for (const char* text : {"", "-5s", "-1", "s", "ms", "1.2.3s", "5 s", "1e3", "abc", "five",
                           "5sec", "5S", "10d", "1_000", "inf", "nan", "+5s", "."}) {
    try {
      parse_duration(text, "server.read_timeout");
      ADD_FAILURE() << "accepted \"" << text << "\"";
    } catch (const config_error& error) {
      EXPECT_TRUE(starts_with(error.what(), "server.read_timeout: ")) << text;
    }
  }
}

TEST(parse_duration, explains_what_is_wrong) {
  try {
    parse_duration("-5s", "a.b");
    ADD_FAILURE();
  } catch (const config_error& error) {
    EXPECT_STREQ(error.what(), "a.b: must not be negative, got \"-5s\"");
  }
  try {
    parse_duration("10d", "a.b");
    ADD_FAILURE();
  } catch (const config_error& error) {
    EXPECT_STREQ(error.what(), "a.b: unknown unit \"d\" (expected ms, s, m or h), got \"10d\"");
  }
}

TEST(parse_duration, rejects_absurdly_long_durations) {
  EXPECT_EQ(parse_duration("87600h", "k"), 87600h);
  EXPECT_THROW(parse_duration("87601h", "k"), config_error);
  EXPECT_THROW(parse_duration("99999999999999999999999999999", "k"), config_error);
}

TEST(config, durations_in_the_file_name_the_key_when_malformed) {
  EXPECT_TRUE(starts_with(error_of(with_server("  read_timeout: 30x\n")), "server.read_timeout: "));
  EXPECT_TRUE(starts_with(error_of(with_model_settings("    health:\n      interval: -1s\n")),
                          "models.baseline.health.interval: "));
  EXPECT_TRUE(starts_with(error_of(with_model_settings("    idle_ttl: [1, 2]\n")),
                          "models.baseline.idle_ttl: expected a duration"));
}

TEST(config, timeouts_must_be_greater_than_zero) {
  const std::vector<std::pair<std::string, std::string>> cases = {
    {with_server("  read_timeout: 0\n"), "server.read_timeout: must be greater than 0"},
    {with_server("  idle_timeout: 0s\n"), "server.idle_timeout: must be greater than 0"},
    {with_server("  request_timeout: 0ms\n"), "server.request_timeout: must be greater than 0"},
    {with_server("  upstream_timeout: 0\n"), "server.upstream_timeout: must be greater than 0"},
    {with_server("  stream_idle_timeout: 0\n"),
     "server.stream_idle_timeout: must be greater than 0"},
    {with_server("  drain_timeout: 0\n"), "server.drain_timeout: must be greater than 0"},
    {"platform:\n  timeout: 0\n" + std::string{minimal_yaml},
     "platform.timeout: must be greater than 0"},
    {with_model_settings("    idle_ttl: 0\n"), "models.baseline.idle_ttl: must be greater than 0"},
    {with_model_settings("    startup_timeout: 0\n"),
     "models.baseline.startup_timeout: must be greater than 0"},
    {with_model_settings("    stop_grace: 0\n"),
     "models.baseline.stop_grace: must be greater than 0"},
    {with_model_settings("    queue_timeout: 0.0001\n"),
     "models.baseline.queue_timeout: must be greater than 0"},
    {with_model_settings("    health: {interval: 0}\n"),
     "models.baseline.health.interval: must be greater than 0"},
    {with_model_settings("    health: {timeout: 0}\n"),
     "models.baseline.health.timeout: must be greater than 0"},
  };
  for (const auto& [yaml, prefix] : cases) {
    EXPECT_TRUE(starts_with(error_of(yaml), prefix));
  }
}

TEST(config, max_age_of_zero_means_never) {
  const auto parsed = parse_config(with_model_settings("    max_age: 0\n    max_requests: 0\n"));
  EXPECT_EQ(parsed.models.front().max_age, duration::zero());
  EXPECT_EQ(parsed.models.front().max_requests, 0u);
}

TEST(config, first_byte_timeout_and_failure_threshold_are_per_model_keys_with_defaults) {
  const auto defaults = parse_config(with_model_settings(""));
  EXPECT_EQ(defaults.models.front().first_byte_timeout, duration::zero())
    << "0: the server's upstream_timeout";
  EXPECT_EQ(defaults.models.front().failure_threshold, 3);
  const auto set = parse_config(
    with_model_settings("    first_byte_timeout: 2.5s\n    failure_threshold: 1000\n"));
  EXPECT_EQ(set.models.front().first_byte_timeout, 2500ms);
  EXPECT_EQ(set.models.front().failure_threshold, 1000);
  EXPECT_EQ(error_of(with_model_settings("    failure_threshold: 0\n")),
            "models.baseline.failure_threshold: must be between 1 and 1000, got 0");
  EXPECT_TRUE(starts_with(error_of(with_model_settings("    first_byte_timeout: soon\n")),
                          "models.baseline.first_byte_timeout: "));
}

TEST(config, prewarm_window_and_headroom_are_per_model_keys_with_defaults) {
  const auto defaults = parse_config(with_model_settings(""));
  EXPECT_EQ(defaults.models.front().prewarm_window, 60000ms);
  EXPECT_DOUBLE_EQ(defaults.models.front().prewarm_headroom, 0.25);
  const auto set = parse_config(
    with_model_settings("    prewarm_window: 0\n    prewarm_headroom: 1.5\n"));
  EXPECT_EQ(set.models.front().prewarm_window, duration::zero()) << "0: off";
  EXPECT_DOUBLE_EQ(set.models.front().prewarm_headroom, 1.5);
  EXPECT_TRUE(starts_with(error_of(with_model_settings("    prewarm_headroom: 11\n")),
                          "models.baseline.prewarm_headroom: "));
  EXPECT_TRUE(starts_with(error_of(with_model_settings("    prewarm_window: -1s\n")),
                          "models.baseline.prewarm_window: "));
}

TEST(config, sse_keepalive_is_a_server_key_with_a_default_an_off_and_a_range) {
  EXPECT_EQ(parse_config(with_server("")).server.sse_keepalive, 5000ms);
  EXPECT_EQ(parse_config(with_server("  sse_keepalive: 0\n")).server.sse_keepalive,
            duration::zero()) << "0: off";
  EXPECT_EQ(parse_config(with_server("  sse_keepalive: 200ms\n")).server.sse_keepalive, 200ms);
  EXPECT_EQ(parse_config(with_server("  sse_keepalive: 10m\n")).server.sse_keepalive, 600000ms);
  EXPECT_EQ(error_of(with_server("  sse_keepalive: 5ms\n")),
            "server.sse_keepalive: must be 0 (off) or between 10ms and 10m, got 5ms");
  EXPECT_TRUE(starts_with(error_of(with_server("  sse_keepalive: 11m\n")),
                          "server.sse_keepalive: must be 0 (off) or between 10ms and 10m"));
  EXPECT_TRUE(starts_with(error_of(with_server("  sse_keepalive: often\n")),
                          "server.sse_keepalive: "));
}

TEST(config, client_watch_after_is_a_server_key_with_a_default_a_zero_and_a_bound) {
  EXPECT_EQ(parse_config(with_server("")).server.client_watch_after, 100ms);
  EXPECT_EQ(parse_config(with_server("  client_watch_after: 0\n")).server.client_watch_after,
            duration::zero()) << "0: from the start";
  EXPECT_EQ(parse_config(with_server("  client_watch_after: 2s\n")).server.client_watch_after,
            2000ms);
  EXPECT_EQ(error_of(with_server("  client_watch_after: 11s\n")),
            "server.client_watch_after: must be between 0 and 10s, got 11000ms");
  EXPECT_TRUE(starts_with(error_of(with_server("  client_watch_after: soon\n")),
                          "server.client_watch_after: "));
}

TEST(config, pause_after_and_max_paused_are_per_model_keys_off_by_default) {
  const auto defaults = parse_config(with_model_settings(""));
  EXPECT_EQ(defaults.models.front().pause_after, 30000ms);
  EXPECT_EQ(defaults.models.front().max_paused, 0) << "the paused tier is off by default";
  const auto set = parse_config(
    with_model_settings("    max_containers: 4\n    pause_after: 500ms\n    max_paused: 4\n"));
  EXPECT_EQ(set.models.front().pause_after, 500ms);
  EXPECT_EQ(set.models.front().max_paused, 4);
  EXPECT_EQ(error_of(with_model_settings("    max_containers: 4\n    max_paused: 5\n")),
            "models.baseline.max_paused: must be between 0 and max_containers (4), got 5");
  EXPECT_EQ(error_of(with_model_settings("    max_paused: -1\n")),
            "models.baseline.max_paused: must be between 0 and max_containers (4), got -1");
  EXPECT_TRUE(starts_with(error_of(with_model_settings("    pause_after: 0s\n")),
                          "models.baseline.pause_after: "));
}

TEST(config, prepare_ahead_is_a_per_model_key_on_by_default_up_to_max_containers) {
  const auto defaults = parse_config(with_model_settings(""));
  EXPECT_EQ(defaults.models.front().prepare_ahead, 1) << "one container prepared by default";
  EXPECT_EQ(parse_config(with_model_settings("    prepare_ahead: 0\n")).models.front().prepare_ahead,
            0);
  EXPECT_EQ(parse_config(with_model_settings("    max_containers: 4\n    prepare_ahead: 4\n"))
              .models.front()
              .prepare_ahead,
            4);
  EXPECT_EQ(error_of(with_model_settings("    max_containers: 4\n    prepare_ahead: 5\n")),
            "models.baseline.prepare_ahead: must be between 0 and max_containers (4), got 5");
  EXPECT_EQ(error_of(with_model_settings("    prepare_ahead: -1\n")),
            "models.baseline.prepare_ahead: must be between 0 and max_containers (4), got -1");
}

// -- sizes --------------------------------------------------------------------------------------

TEST(parse_size, accepts_bytes_and_binary_and_decimal_units) {
  EXPECT_EQ(parse_size("1048576", "k"), 1048576u);
  EXPECT_EQ(parse_size("512B", "k"), 512u);
  EXPECT_EQ(parse_size("64KiB", "k"), 64u * 1024);
  EXPECT_EQ(parse_size("1MiB", "k"), 1024u * 1024);
  EXPECT_EQ(parse_size("1GiB", "k"), 1024u * 1024 * 1024);
  EXPECT_EQ(parse_size("2KB", "k"), 2000u);
  EXPECT_EQ(parse_size("3MB", "k"), 3000000u);
  EXPECT_EQ(parse_size("1GB", "k"), 1000000000u);
  EXPECT_EQ(parse_size("0", "k"), 0u);
}

TEST(parse_size, rejects_malformed_sizes_naming_the_key) {
  for (const char* text : {"", "-1", "-1KiB", "1.5MiB", "1XB", "kib", "1kib", "1 MiB", "MiB",
                           "1e6", "99999999999999999999", "18446744073709551615KiB", "0x10"}) {
    try {
      parse_size(text, "server.max_body_bytes");
      ADD_FAILURE() << "accepted \"" << text << "\"";
    } catch (const config_error& error) {
      EXPECT_TRUE(starts_with(error.what(), "server.max_body_bytes: ")) << text;
    }
  }
}

TEST(config, sizes_outside_their_range_name_the_key_and_the_limits) {
  EXPECT_EQ(error_of(with_server("  max_body_bytes: 0\n")),
            "server.max_body_bytes: must be between 1B and 1GiB, got \"0\"");
  EXPECT_TRUE(starts_with(error_of(with_server("  max_body_bytes: 2GiB\n")),
                          "server.max_body_bytes: must be between"));
  EXPECT_EQ(error_of(with_server("  max_header_bytes: 512\n")),
            "server.max_header_bytes: must be between 1KiB and 1MiB, got \"512\"");
  EXPECT_TRUE(starts_with(error_of(with_server("  max_header_bytes: 2MiB\n")),
                          "server.max_header_bytes: must be between"));
  EXPECT_EQ(parse_config(with_server("  max_body_bytes: 1GiB\n")).server.max_body_bytes,
            std::size_t{1} << 30);
  EXPECT_EQ(parse_config(with_server("  max_header_bytes: 1KiB\n")).server.max_header_bytes,
            1024u);
}

// -- integers and ranges ------------------------------------------------------------------------

TEST(config, an_integer_written_as_text_is_an_error_naming_the_key) {
  EXPECT_EQ(error_of(with_model_settings("    max_concurrency: four\n")),
            "models.baseline.max_concurrency: expected an integer, got \"four\"");
}

TEST(config, floats_and_booleans_are_not_integers) {
  EXPECT_EQ(error_of(with_server("  max_retries: 2.5\n")),
            "server.max_retries: expected an integer, got \"2.5\"");
  EXPECT_EQ(error_of(with_server("  max_retries: 2.0\n")),
            "server.max_retries: expected an integer, got \"2.0\"");
  EXPECT_EQ(error_of(with_server("  threads: true\n")),
            "server.threads: expected an integer, got \"true\"");
  EXPECT_EQ(error_of(with_model_settings("    max_requests: 1.5\n")),
            "models.baseline.max_requests: expected an integer, got \"1.5\"");
  EXPECT_EQ(error_of(with_server("  threads: [1]\n")),
            "server.threads: expected an integer, got a list");
}

TEST(config, min_warm_above_max_containers_names_both) {
  EXPECT_EQ(error_of(with_model_settings("    max_containers: 4\n    min_warm: 9\n")),
            "models.baseline.min_warm: must be between 0 and max_containers (4), got 9");
  EXPECT_EQ(error_of(with_model_settings("    min_warm: -1\n")),
            "models.baseline.min_warm: must be between 0 and max_containers (4), got -1");
  const auto parsed = parse_config(with_model_settings("    max_containers: 3\n    min_warm: 3\n"));
  EXPECT_EQ(parsed.models.front().min_warm, 3);
  EXPECT_EQ(parse_config(with_model_settings("    min_warm: 0\n")).models.front().min_warm, 0);
}

TEST(config, every_integer_range_is_enforced_and_names_the_key) {
  const std::vector<std::pair<std::string, std::string>> cases = {
    {with_server("  threads: 257\n"), "server.threads: must be between 0 and 256, got 257"},
    {with_server("  threads: -1\n"), "server.threads: must be between 0 and 256, got -1"},
    {with_server("  max_retries: 11\n"), "server.max_retries: must be between 0 and 10, got 11"},
    {with_server("  upstream_idle_connections: 10001\n"),
     "server.upstream_idle_connections: must be between 0 and 10000, got 10001"},
    {with_model_settings("    max_containers: 0\n"),
     "models.baseline.max_containers: must be between 1 and 10000, got 0"},
    {with_model_settings("    max_containers: 10001\n"),
     "models.baseline.max_containers: must be between 1 and 10000, got 10001"},
    {with_model_settings("    max_concurrency: 0\n"),
     "models.baseline.max_concurrency: must be between 1 and 10000, got 0"},
    {with_model_settings("    queue_limit: 1000001\n"),
     "models.baseline.queue_limit: must be between 0 and 1000000, got 1000001"},
    {with_model_settings("    queue_limit: -1\n"),
     "models.baseline.queue_limit: must be between 0 and 1000000, got -1"},
    {with_model_settings("    health: {threshold: 0}\n"),
     "models.baseline.health.threshold: must be between 1 and 100, got 0"},
    {with_model_settings("    health: {threshold: 101}\n"),
     "models.baseline.health.threshold: must be between 1 and 100, got 101"},
    {with_model_settings("    max_requests: -1\n"),
     "models.baseline.max_requests: must not be negative, got -1"},
    {with_server("  threads: 99999999999999999999999\n"),
     "server.threads: must be between 0 and 256, got 99999999999999999999999"},
  };
  for (const auto& [yaml, message] : cases) {
    EXPECT_EQ(error_of(yaml), message);
  }
}

TEST(config, the_edges_of_every_integer_range_are_accepted) {
  const auto parsed = parse_config("server:\n"
                                   "  threads: 256\n"
                                   "  max_retries: 0\n"
                                   "  upstream_idle_connections: 10000\n"
                                   "models:\n"
                                   "  baseline:\n"
                                   "    command: x\n"
                                   "    max_containers: 10000\n"
                                   "    min_warm: 10000\n"
                                   "    max_concurrency: 10000\n"
                                   "    queue_limit: 1000000\n"
                                   "    max_requests: 18446744073709551615\n"
                                   "    health: {threshold: 100}\n");
  EXPECT_EQ(parsed.server.threads, 256);
  EXPECT_EQ(parsed.server.max_retries, 0);
  EXPECT_EQ(parsed.server.upstream_idle_connections, 10000);
  EXPECT_EQ(parsed.models.front().min_warm, 10000);
  EXPECT_EQ(parsed.models.front().max_concurrency, 10000);
  EXPECT_EQ(parsed.models.front().queue_limit, 1000000);
  EXPECT_EQ(parsed.models.front().max_requests, 18446744073709551615u);
  EXPECT_EQ(parsed.models.front().health.threshold, 100);
}

// -- strings and choices ------------------------------------------------------------------------

TEST(config, health_path_must_start_with_a_slash) {
  EXPECT_EQ(error_of(with_model_settings("    health: {path: health}\n")),
            "models.baseline.health.path: must start with '/', got \"health\"");
  EXPECT_TRUE(starts_with(error_of(with_model_settings("    health: {path: \"/a b\"}\n")),
                          "models.baseline.health.path: "));
}

TEST(config, log_level_and_format_accept_only_their_choices) {
  EXPECT_EQ(error_of("log:\n  level: verbose\n" + std::string{minimal_yaml}),
            "log.level: expected one of trace, debug, info, warn, error, off, got \"verbose\"");
  EXPECT_EQ(error_of("log:\n  format: xml\n" + std::string{minimal_yaml}),
            "log.format: expected one of text, json, got \"xml\"");
  const auto parsed =
    parse_config("log: {level: WARN, format: JSON}\n" + std::string{minimal_yaml});
  EXPECT_EQ(parsed.log.level, "warn");
  EXPECT_EQ(parsed.log.format, "json");
}

TEST(config, a_string_key_given_a_mapping_is_an_error) {
  EXPECT_EQ(error_of("platform:\n  log_level: {a: b}\n" + std::string{minimal_yaml}),
            "platform.log_level: expected a string, got a mapping");
}

TEST(config, only_the_process_and_docker_runtimes_exist) {
  EXPECT_EQ(parse_config("runtime: docker\nmodels:\n  m:\n    image: janus-baseline\n").runtime,
            "docker");
  EXPECT_EQ(error_of("runtime: k8s\n" + std::string{minimal_yaml}),
            "runtime: unknown runtime \"k8s\" (expected \"process\" or \"docker\")");
}

// -- docker -------------------------------------------------------------------------------------

TEST(config, a_docker_model_requires_an_image_and_no_command) {
  const auto parsed = parse_config("runtime: docker\nmodels:\n  m:\n    image: janus-baseline:1\n");
  EXPECT_EQ(parsed.models.front().image, "janus-baseline:1");
  EXPECT_TRUE(parsed.models.front().command.empty());
  EXPECT_TRUE(starts_with(error_of("runtime: docker\nmodels:\n  m:\n    min_warm: 1\n"),
                          "models.m.image: required for the docker runtime"));
  EXPECT_EQ(error_of("runtime: docker\nmodels:\n  m:\n    image: \"a b\"\n"),
            "models.m.image: must not contain spaces or control characters, got \"a b\"");
}

TEST(config, model_as_image_runs_the_image_named_like_the_model) {
  const auto parsed = parse_config("runtime: docker\ndocker:\n  model_as_image: true\n"
                                   "models:\n  org/echo:2:\n    min_warm: 0\n"
                                   "  other:\n    image: other-image\n");
  EXPECT_EQ(parsed.models[0].image, "org/echo:2");
  EXPECT_EQ(parsed.models[1].image, "other-image") << "an explicit image still wins";
}

TEST(config, every_docker_key_is_checked_and_named) {
  auto docker = [](const std::string& body) {
    return error_of("docker:\n" + body + minimal_yaml);
  };
  EXPECT_EQ(docker("  socket: docker.sock\n"),
            "docker.socket: expected an absolute path such as /var/run/docker.sock, got "
            "\"docker.sock\"");
  EXPECT_EQ(docker("  engine_id: \"my engine\"\n"),
            "docker.engine_id: must match [A-Za-z0-9][A-Za-z0-9_.-]* and be at most 64 "
            "characters, got \"my engine\"");
  EXPECT_TRUE(starts_with(docker("  engine_id: -x\n"), "docker.engine_id: must match"));
  EXPECT_TRUE(starts_with(docker("  engine_id: " + std::string(65, 'a') + "\n"),
                          "docker.engine_id: must match"));
  EXPECT_EQ(docker("  max_parallel_starts: 0\n"),
            "docker.max_parallel_starts: must be between 1 and 64, got 0");
  EXPECT_EQ(docker("  call_timeout: 0\n"),
            "docker.call_timeout: must be greater than 0 (at least 1ms), got \"0\"");
  EXPECT_EQ(docker("  model_as_image: yes\n"),
            "docker.model_as_image: expected true or false, got \"yes\"");
  EXPECT_EQ(docker("  sockett: /x\n"), "docker.sockett: unknown key (did you mean socket?)");
  EXPECT_EQ(parse_config("docker:\n  model_as_image: TRUE\n" + std::string{minimal_yaml})
              .docker.model_as_image,
            true);
}

TEST(config, every_resource_key_is_checked_and_named) {
  auto resources = [](const std::string& body) {
    return error_of(with_model_settings("    resources:\n" + body));
  };
  EXPECT_EQ(resources("      memory: 1MiB\n"),
            "models.baseline.resources.memory: must be between 6MiB and 1024GiB, got \"1MiB\"");
  EXPECT_EQ(resources("      cpus: 0\n"),
            "models.baseline.resources.cpus: must be between 0.01 and 1024, got 0");
  EXPECT_EQ(resources("      cpus: two\n"),
            "models.baseline.resources.cpus: expected a number such as 1 or 0.5, got \"two\"");
  EXPECT_EQ(resources("      cpus: 1e3\n"),
            "models.baseline.resources.cpus: expected a number such as 1 or 0.5, got \"1e3\"");
  EXPECT_EQ(resources("      pids_limit: 4\n"),
            "models.baseline.resources.pids_limit: must be between 8 and 1000000, got 4");
  EXPECT_EQ(resources("      read_only: 1\n"),
            "models.baseline.resources.read_only: expected true or false, got \"1\"");
  EXPECT_EQ(resources("      tmpfs_size: 0\n"),
            "models.baseline.resources.tmpfs_size: must be between 1MiB and 1024GiB, got \"0\"");
  EXPECT_EQ(resources("      memry: 1GiB\n"),
            "models.baseline.resources.memry: unknown key (did you mean memory?)");
  const auto parsed = parse_config(with_model_settings("    resources:\n      cpus: 2\n"));
  EXPECT_EQ(parsed.models.front().resources.cpus, 2.0);
}

// -- models -------------------------------------------------------------------------------------

TEST(config, at_least_one_model_is_required) {
  EXPECT_EQ(error_of(""), "models: at least one model is required");
  EXPECT_EQ(error_of("server: {threads: 1}\n"), "models: at least one model is required");
  EXPECT_EQ(error_of("models: {}\n"), "models: at least one model is required");
  EXPECT_EQ(error_of("models:\n"), "models: at least one model is required");
}

TEST(config, models_must_be_a_mapping_not_a_list) {
  EXPECT_TRUE(starts_with(error_of("models:\n  - name: baseline\n"),
                          "models: expected a mapping from model name"));
}

TEST(config, a_process_model_requires_a_command) {
  EXPECT_EQ(error_of(with_model("    min_warm: 1\n")),
            "models.baseline.command: required for the process runtime");
  EXPECT_EQ(error_of(with_model("    command: []\n")),
            "models.baseline.command: required for the process runtime");
  EXPECT_EQ(error_of(with_model("    command: \"  \"\n")),
            "models.baseline.command: required for the process runtime");
  EXPECT_EQ(error_of("models:\n  baseline:\n"),
            "models.baseline.command: required for the process runtime");
}

TEST(config, a_command_string_is_split_on_whitespace) {
  const auto parsed = parse_config(with_model("    command: \"janus-baseline  --tokens\t5 \"\n"));
  EXPECT_EQ(parsed.models.front().command,
            (std::vector<std::string>{"janus-baseline", "--tokens", "5"}));
}

TEST(config, a_command_list_keeps_each_element_whole) {
  const auto parsed =
    parse_config(with_model("    command: [\"/opt/my model/run\", 5, \"a b\"]\n"));
  EXPECT_EQ(parsed.models.front().command,
            (std::vector<std::string>{"/opt/my model/run", "5", "a b"}));
  EXPECT_EQ(error_of(with_model("    command: [run, [x]]\n")),
            "models.baseline.command[1]: expected a string, got a list");
  EXPECT_EQ(error_of(with_model("    command: [\"\", x]\n")),
            "models.baseline.command[0]: the program must not be empty");
  EXPECT_TRUE(starts_with(error_of(with_model("    command: {a: b}\n")),
                          "models.baseline.command: expected a list of strings or a string"));
}

TEST(config, env_values_of_any_scalar_type_are_taken_as_their_text) {
  const auto parsed = parse_config(with_model_settings("    env:\n"
                                                       "      TOKENS: 24\n"
                                                       "      ENABLED: true\n"
                                                       "      RATIO: 1.50\n"
                                                       "      QUOTED: \"x y\"\n"
                                                       "      EMPTY: \"\"\n"));
  EXPECT_EQ(parsed.models.front().env, (std::map<std::string, std::string>{{"TOKENS", "24"},
                                                                           {"ENABLED", "true"},
                                                                           {"RATIO", "1.50"},
                                                                           {"QUOTED", "x y"},
                                                                           {"EMPTY", ""}}));
}

TEST(config, env_values_must_be_scalars_and_names_must_be_valid) {
  EXPECT_TRUE(starts_with(error_of(with_model_settings("    env: {A: [1]}\n")),
                          "models.baseline.env.A: expected a value"));
  EXPECT_TRUE(starts_with(error_of(with_model_settings("    env: {A: }\n")),
                          "models.baseline.env.A: expected a value"));
  EXPECT_EQ(error_of(with_model_settings("    env: {\"A=B\": x}\n")),
            "models.baseline.env.A=B: not a valid environment variable name");
  EXPECT_TRUE(starts_with(error_of(with_model_settings("    env: [A]\n")),
                          "models.baseline.env: expected a mapping"));
}

TEST(config, model_names_must_match_the_allowed_pattern) {
  for (const char* name : {"\"bad name\"", "-leading-dash", ".hidden", "\"a\\tb\"", "\"é\""}) {
    const std::string yaml = std::string{"models:\n  "} + name + ":\n    command: x\n";
    EXPECT_TRUE(starts_with(error_of(yaml), "models: invalid model name")) << name;
  }
  const std::string longest(128, 'a');
  EXPECT_EQ(parse_config("models:\n  " + longest + ": {command: x}\n").models.front().name,
            longest);
  EXPECT_TRUE(starts_with(error_of("models:\n  " + longest + "a: {command: x}\n"),
                          "models: invalid model name"));
}

TEST(config, a_key_given_twice_is_an_error) {
  EXPECT_EQ(error_of(with_model_settings("    min_warm: 1\n    min_warm: 2\n")),
            "models.baseline.min_warm: key given more than once");
  EXPECT_EQ(error_of("models:\n  a: {command: x}\n  a: {command: y}\n"),
            "models.a: key given more than once");
}

// -- unknown keys -------------------------------------------------------------------------------

TEST(config, an_unknown_key_at_any_level_is_an_error_naming_it) {
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"serve:\n  threads: 1\n" + std::string{minimal_yaml}, "serve: unknown key"},
    {with_server("  thread: 1\n"), "server.thread: unknown key"},
    {"platform:\n  url: x\n" + std::string{minimal_yaml}, "platform.url: unknown key"},
    {"log:\n  levle: info\n" + std::string{minimal_yaml}, "log.levle: unknown key"},
    {with_model_settings("    min_warmx: 1\n"), "models.baseline.min_warmx: unknown key"},
    {with_model_settings("    name: other\n"), "models.baseline.name: unknown key"},
    {with_model_settings("    health:\n      paht: /x\n"),
     "models.baseline.health.paht: unknown key"},
  };
  for (const auto& [yaml, prefix] : cases) {
    EXPECT_TRUE(starts_with(error_of(yaml), prefix));
  }
}

TEST(config, an_unknown_key_suggests_the_closest_known_key) {
  EXPECT_EQ(error_of(with_model_settings("    min_warmx: 1\n")),
            "models.baseline.min_warmx: unknown key (did you mean min_warm?)");
  EXPECT_EQ(error_of("model:\n  baseline: {command: x}\n"),
            "model: unknown key (did you mean models?)");
  EXPECT_EQ(error_of(with_model_settings("    evn: {A: b}\n")),
            "models.baseline.evn: unknown key (did you mean env?)");
}

TEST(config, an_unknown_key_far_from_any_known_key_lists_the_known_keys) {
  EXPECT_EQ(error_of("log:\n  colour: true\n" + std::string{minimal_yaml}),
            "log.colour: unknown key (known keys: level, format, container_lines_per_second, "
            "container_burst, container_max_line_bytes, container_ring_bytes, "
            "container_keep_gone, container_max_tail)");
}

TEST(config, the_container_output_limits_are_read_and_a_value_out_of_range_names_its_key) {
  auto cfg = parse_config("log:\n  container_lines_per_second: 2.5\n  container_burst: 7\n"
                          "  container_max_line_bytes: 1KiB\n  container_ring_bytes: 0\n"
                          "  container_keep_gone: 3\n  container_max_tail: 50\n"
                          + std::string{minimal_yaml});
  EXPECT_DOUBLE_EQ(cfg.log.container_lines_per_second, 2.5);
  EXPECT_DOUBLE_EQ(cfg.log.container_burst, 7);
  EXPECT_EQ(cfg.log.container_max_line_bytes, 1024u);
  EXPECT_EQ(cfg.log.container_ring_bytes, 0u);
  EXPECT_EQ(cfg.log.container_keep_gone, 3);
  EXPECT_EQ(cfg.log.container_max_tail, 50);
  EXPECT_NE(error_of("log:\n  container_max_line_bytes: 10\n" + std::string{minimal_yaml})
              .find("log.container_max_line_bytes"),
            std::string::npos);
  EXPECT_NE(error_of("log:\n  container_burst: 0\n" + std::string{minimal_yaml}).find("log.container_burst"),
            std::string::npos);
}

// -- malformed files ----------------------------------------------------------------------------

TEST(config, a_yaml_syntax_error_gives_the_line_and_column) {
  EXPECT_EQ(error_of("server:\n  listen: 127.0.0.1: 8000\n"),
            "YAML syntax error at line 2, column 20: illegal map value");
  const std::string bad_indent = error_of("models:\n  baseline:\n    command: x\n   bad: [\n");
  EXPECT_NE(bad_indent.find("line 4, column"), std::string::npos) << bad_indent;
}

TEST(config, a_section_that_is_not_a_mapping_is_an_error) {
  EXPECT_EQ(error_of("server: 8000\n" + std::string{minimal_yaml}),
            "server: expected a mapping of keys to values, got \"8000\"");
  EXPECT_EQ(error_of("just text"),
            "(top level): expected a mapping of keys to values, got \"just text\"");
  EXPECT_EQ(error_of("- a\n- b\n"),
            "(top level): expected a mapping of keys to values, got a list");
}

// -- files --------------------------------------------------------------------------------------

TEST(load_config, a_missing_file_is_a_config_error_naming_the_path) {
  const std::string path = "/nonexistent/janus/config.yaml";
  try {
    load_config(path);
    ADD_FAILURE();
  } catch (const config_error& error) {
    EXPECT_TRUE(starts_with(error.what(), path + ": cannot read config file: "));
    EXPECT_NE(std::string{error.what()}.find("No such file"), std::string::npos) << error.what();
  }
}

TEST(load_config, a_directory_is_a_config_error_naming_the_path) {
  const std::string path = std::filesystem::temp_directory_path().string();
  try {
    load_config(path);
    ADD_FAILURE();
  } catch (const config_error& error) {
    EXPECT_TRUE(starts_with(error.what(), path + ": cannot read config file: ")) << error.what();
  }
}

TEST(load_config, reads_and_parses_a_file) {
  const auto path = std::filesystem::temp_directory_path()
                    / ("janus_config_test_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out{path};
    out << minimal_yaml;
  }
  const config parsed = load_config(path.string());
  std::filesystem::remove(path);
  ASSERT_EQ(parsed.models.size(), 1u);
  EXPECT_EQ(parsed.models.front().name, "baseline");
}

TEST(load_config, the_shipped_local_example_is_valid) {
  const config parsed = load_config(std::string{JANUS_SOURCE_DIR} + "/deploy/examples/local.yaml");
  EXPECT_EQ(parsed.server.host, "127.0.0.1");
  EXPECT_EQ(parsed.server.port, 8000);
  EXPECT_EQ(parsed.runtime, "process");
  ASSERT_EQ(parsed.models.size(), 1u);
  const model_config& model = parsed.models.front();
  EXPECT_EQ(model.name, "baseline");
  EXPECT_EQ(model.command, std::vector<std::string>{"janus-baseline"});
  EXPECT_EQ(model.min_warm, 2);
  EXPECT_EQ(model.max_containers, 4);
  EXPECT_EQ(model.max_concurrency, 8);
  EXPECT_EQ(model.env.at("JANUS_BASELINE_TOKENS"), "24");
  EXPECT_EQ(model.env.at("JANUS_BASELINE_TOKEN_DELAY_MS"), "20");
}

TEST(load_config, the_shipped_docker_example_is_valid) {
  const config parsed = load_config(std::string{JANUS_SOURCE_DIR}
                                    + "/deploy/examples/docker.yaml");
  EXPECT_EQ(parsed.runtime, "docker");
  ASSERT_EQ(parsed.models.size(), 2u);
  EXPECT_EQ(parsed.models[0].image, "janus-baseline:latest");
  EXPECT_EQ(parsed.models[1].image, "janus-baseline-terse:latest");
}

/// The ```yaml blocks of `markdown` that are whole files: they start with a top-level key.
std::vector<std::string> whole_file_yaml_blocks(const std::string& markdown) {
  std::vector<std::string> blocks;
  const std::string open = "```yaml\n";
  std::size_t pos = 0;
  while ((pos = markdown.find(open, pos)) != std::string::npos) {
    const std::size_t begin = pos + open.size();
    const std::size_t end = markdown.find("```", begin);
    if (end == std::string::npos) {
      break;
    }
    std::string block = markdown.substr(begin, end - begin);
    if (block.rfind("server:", 0) == 0 || block.rfind("models:", 0) == 0) {
      blocks.push_back(std::move(block));
    }
    pos = end + 3;
  }
  return blocks;
}

TEST(load_config, the_whole_file_examples_of_the_configuration_reference_are_valid) {
  std::ifstream in{std::string{JANUS_SOURCE_DIR} + "/docs/configuration.md"};
  ASSERT_TRUE(in) << "docs/configuration.md not found";
  const std::string markdown{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  const auto blocks = whole_file_yaml_blocks(markdown);
  ASSERT_GE(blocks.size(), 2u);
  // The fallback example's credentials come from janusd's environment.
  ::setenv("DIRECT_API_KEY", "sk-example", 1);
  ::setenv("DIRECT_ORG", "org-example", 1);
  for (const auto& block : blocks) {
    EXPECT_EQ(error_of(block), "<no error>") << block;
  }
  const config complete = parse_config(blocks.back());
  EXPECT_EQ(complete.platform.routes.front().prefix, "/v1/chat/completions");
  EXPECT_EQ(complete.models.front().env.at("JANUS_BASELINE_TOKENS"), "24");
}

} // namespace
} // namespace janus

namespace janus {
namespace {

TEST(config, the_admin_api_is_disabled_without_a_token) {
  const auto parsed = parse_config(minimal_yaml);
  EXPECT_EQ(parsed.admin.token, "");
  EXPECT_EQ(parsed.admin.token_env, "");
}

TEST(config, admin_token_is_read_from_the_file_or_from_the_variable_token_env_names) {
  EXPECT_EQ(parse_config(std::string{"admin:\n  token: abc\n"} + minimal_yaml).admin.token, "abc");
  ::setenv("JANUS_CONFIG_TEST_TOKEN", "from-env", 1);
  const auto parsed =
    parse_config(std::string{"admin:\n  token_env: JANUS_CONFIG_TEST_TOKEN\n"} + minimal_yaml);
  EXPECT_EQ(parsed.admin.token, "from-env");
  EXPECT_EQ(parsed.admin.token_env, "JANUS_CONFIG_TEST_TOKEN");
}

TEST(config, admin_errors_name_the_key) {
  ::unsetenv("JANUS_CONFIG_TEST_UNSET");
  EXPECT_EQ(error_of(std::string{"admin:\n  token_env: JANUS_CONFIG_TEST_UNSET\n"} + minimal_yaml),
            "admin.token_env: the environment variable \"JANUS_CONFIG_TEST_UNSET\" is not set or "
            "empty");
  ::setenv("JANUS_CONFIG_TEST_TOKEN", "x", 1);
  EXPECT_EQ(error_of(std::string{"admin:\n  token: a\n  token_env: JANUS_CONFIG_TEST_TOKEN\n"}
                     + minimal_yaml),
            "admin.token_env: set either token or token_env, not both");
  EXPECT_EQ(error_of(std::string{"admin:\n  tokn: a\n"} + minimal_yaml).rfind("admin.tokn", 0), 0u);
}

TEST(config, conformance_is_off_by_default_and_its_limits_are_read_and_checked) {
  const auto defaults = parse_config(minimal_yaml);
  EXPECT_FALSE(defaults.admin.require_conformance);
  EXPECT_EQ(defaults.admin.conformance_request_timeout, std::chrono::seconds(10));
  EXPECT_EQ(defaults.admin.max_conformance_checks, 2);
  const auto parsed = parse_config(std::string{"admin:\n  token: a\n  require_conformance: true\n"
                                               "  conformance_request_timeout: 2s\n"
                                               "  max_conformance_checks: 5\n"}
                                   + minimal_yaml);
  EXPECT_TRUE(parsed.admin.require_conformance);
  EXPECT_EQ(parsed.admin.conformance_request_timeout, std::chrono::seconds(2));
  EXPECT_EQ(parsed.admin.max_conformance_checks, 5);
  EXPECT_EQ(error_of(std::string{"admin:\n  max_conformance_checks: 0\n"} + minimal_yaml)
              .rfind("admin.max_conformance_checks", 0),
            0u);
  EXPECT_EQ(error_of(std::string{"admin:\n  conformance_request_timeout: 0s\n"} + minimal_yaml)
              .rfind("admin.conformance_request_timeout", 0),
            0u);
  EXPECT_EQ(error_of(std::string{"admin:\n  require_conformance: maybe\n"} + minimal_yaml)
              .rfind("admin.require_conformance", 0),
            0u);
}

// -- isolation ----------------------------------------------------------------------------------

TEST(config, docker_models_are_isolated_unless_the_engine_or_the_model_says_bridge) {
  auto parsed = parse_config("runtime: docker\nmodels:\n  a:\n    image: x\n"
                             "  b:\n    image: x\n    network: bridge\n");
  EXPECT_EQ(parsed.docker.network, network_mode::isolated);
  EXPECT_EQ(parsed.models[0].network, network_mode::isolated);
  EXPECT_EQ(parsed.models[1].network, network_mode::bridge);
  parsed = parse_config("runtime: docker\ndocker:\n  network: BRIDGE\nmodels:\n  a:\n"
                        "    image: x\n  b:\n    image: x\n    network: isolated\n");
  EXPECT_EQ(parsed.models[0].network, network_mode::bridge) << "the engine's default";
  EXPECT_EQ(parsed.models[1].network, network_mode::isolated) << "the model's own wins";
  EXPECT_EQ(parsed.docker.spare_sockets, 4);
}

TEST(config, a_network_other_than_isolated_or_bridge_is_an_error_naming_the_key) {
  EXPECT_EQ(error_of("docker:\n  network: host\n" + std::string{minimal_yaml}),
            "docker.network: expected one of isolated, bridge, got \"host\"");
  EXPECT_EQ(error_of(with_model_settings("    network: none\n")),
            "models.baseline.network: expected one of isolated, bridge, got \"none\"");
  EXPECT_EQ(error_of("docker:\n  spare_sockets: 65\n" + std::string{minimal_yaml}),
            "docker.spare_sockets: must be between 0 and 64, got 65");
}

TEST(config, the_platform_port_and_janus_init_are_checked_and_named) {
  EXPECT_EQ(parse_config(minimal_yaml).platform.port, 9000);
  EXPECT_EQ(parse_config("platform:\n  port: 9100\n" + std::string{minimal_yaml}).platform.port, 9100);
  EXPECT_EQ(error_of("platform:\n  port: 8080\n" + std::string{minimal_yaml}),
            "platform.port: must not be 8080, the model's own port in its container");
  EXPECT_EQ(error_of("platform:\n  port: 0\n" + std::string{minimal_yaml}),
            "platform.port: must be between 1 and 65535, got 0");
  EXPECT_EQ(parse_config(minimal_yaml).docker.init, "");
  EXPECT_EQ(error_of("docker:\n  init: bin/janus-init\n" + std::string{minimal_yaml}),
            "docker.init: expected an absolute path, got \"bin/janus-init\"");
}

TEST(config, runtime_class_and_the_log_caps_are_read_and_checked) {
  auto parsed = parse_config("runtime: docker\ndocker:\n  log_max_size: 1MiB\n  log_max_files: 5\n"
                             "models:\n  m:\n    image: x\n    runtime_class: runsc\n");
  EXPECT_EQ(parsed.models[0].runtime_class, "runsc");
  EXPECT_EQ(parsed.docker.log_max_size, 1u << 20);
  EXPECT_EQ(parsed.docker.log_max_files, 5);
  auto defaults = parse_config(minimal_yaml);
  EXPECT_EQ(defaults.models[0].runtime_class, "");
  EXPECT_EQ(defaults.docker.log_max_size, 10u << 20);
  EXPECT_EQ(defaults.docker.log_max_files, 3);
  EXPECT_EQ(error_of(with_model_settings("    runtime_class: \"run sc\"\n")),
            "models.baseline.runtime_class: must match [A-Za-z0-9][A-Za-z0-9_.-]* and be at most 64 "
            "characters, got \"run sc\"");
  EXPECT_EQ(error_of("docker:\n  log_max_files: 0\n" + std::string{minimal_yaml}),
            "docker.log_max_files: must be between 1 and 100, got 0");
  EXPECT_EQ(error_of("docker:\n  log_max_size: 1KiB\n" + std::string{minimal_yaml}),
            "docker.log_max_size: must be between 64KiB and 64GiB, got \"1KiB\"");
}

} // namespace
} // namespace janus

namespace janus {
namespace {

std::string with_platform(const std::string& body) {
  return "platform:\n" + body + std::string{minimal_yaml};
}

TEST(platform_config, the_keys_that_handed_values_to_containers_are_refused_saying_what_replaces_them) {
  EXPECT_EQ(error_of(with_platform("  llm_api_key: x\n")).rfind(
              "platform.llm_api_key: no longer supported: the real key never reaches a container", 0),
            0u);
  EXPECT_EQ(error_of(with_platform("  platform_url: x\n")).rfind("platform.platform_url: no longer", 0),
            0u);
  EXPECT_EQ(error_of(with_platform("  memory_url: x\n")).rfind("platform.memory_url: no longer", 0), 0u);
  EXPECT_EQ(error_of(with_platform("  search_url: x\n")).rfind("platform.search_url: no longer", 0), 0u);
}

TEST(platform_config, an_injected_header_from_the_environment_or_a_file_is_read_at_start) {
  ::setenv("JANUS_PLATFORM_TEST_KEY", "from-env", 1);
  auto file = std::filesystem::temp_directory_path() / "janus-platform-test-key";
  std::ofstream{file} << "from-file\n";
  auto parsed = parse_config(with_platform(
    "  routes:\n    /search:\n      upstream: http://127.0.0.1:1/s\n      headers:\n"
    "        Authorization: {env: JANUS_PLATFORM_TEST_KEY, prefix: \"Bearer \"}\n"
    "        X-Key: {file: " + file.string() + "}\n"));
  const auto& search = parsed.platform.routes[2];
  ASSERT_EQ(search.prefix, "/search");
  ASSERT_EQ(search.headers.size(), 2u);
  EXPECT_EQ(search.headers[0].value, "Bearer from-env");
  EXPECT_EQ(search.headers[0].source, "env JANUS_PLATFORM_TEST_KEY");
  EXPECT_EQ(search.headers[1].value, "from-file");
}

TEST(platform_config, a_missing_variable_or_file_is_an_error_naming_the_key) {
  ::unsetenv("JANUS_PLATFORM_TEST_UNSET");
  EXPECT_EQ(error_of(with_platform("  routes:\n    /search:\n      headers:\n"
                                   "        Authorization: {env: JANUS_PLATFORM_TEST_UNSET}\n")),
            "platform.routes./search.headers.Authorization.env: the environment variable "
            "\"JANUS_PLATFORM_TEST_UNSET\" is not set or empty");
  EXPECT_EQ(error_of(with_platform("  routes:\n    /search:\n      headers:\n"
                                   "        Authorization: {file: /nonexistent/key}\n")),
            "platform.routes./search.headers.Authorization.file: cannot read the file "
            "\"/nonexistent/key\"");
  EXPECT_EQ(error_of(with_platform("  routes:\n    /search:\n      headers:\n"
                                   "        Host: x\n")),
            "platform.routes./search.headers.Host: janusd sets this header itself: it cannot be "
            "injected");
}

TEST(platform_config, bad_routes_upstreams_and_egress_patterns_name_the_key) {
  EXPECT_EQ(error_of(with_platform("  routes:\n    search: {}\n")),
            "platform.routes.search: a route is a path prefix such as /v1/embeddings");
  EXPECT_EQ(error_of(with_platform("  routes:\n    /search: {upstream: ftp://x}\n")),
            "platform.routes./search.upstream: expected an http:// or https:// URL, got "
            "\"ftp://x\"");
  EXPECT_EQ(error_of(with_platform("  egress:\n    allow: [\"github.com\"]\n")).rfind(
              "platform.egress.allow[0]: expected host:port", 0),
            0u);
}

TEST(config, max_json_depth_defaults_to_128_and_is_checked_against_its_range) {
  EXPECT_EQ(parse_config(minimal_yaml).server.max_json_depth, 128);
  EXPECT_EQ(parse_config(with_server("  max_json_depth: 3\n")).server.max_json_depth, 3);
  EXPECT_EQ(parse_config(with_server("  max_json_depth: 256\n")).server.max_json_depth, 256);
  EXPECT_EQ(error_of(with_server("  max_json_depth: 2\n")),
            "server.max_json_depth: must be between 3 and 256, got 2");
  EXPECT_EQ(error_of(with_server("  max_json_depth: 257\n")),
            "server.max_json_depth: must be between 3 and 256, got 257");
}

/// A config file whose model `baseline` has an `env` value nested `levels` deep in block style,
/// so the deepest mapping sits at 4 + levels (file, models, baseline, env).
std::string deep_block_config(int levels) {
  std::string yaml = std::string{minimal_yaml} + "    env:\n";
  std::string indent = "      ";
  for (int level = 0; level < levels; ++level) {
    yaml += indent + "k:\n";
    indent += "  ";
  }
  return yaml + indent + "v: 1\n";
}

TEST(config, a_file_nested_deeper_than_128_levels_is_refused_naming_the_line) {
  // At 128 levels the file is read (and env's value refused for being no text).
  EXPECT_TRUE(starts_with(error_of(deep_block_config(124)), "models.baseline.env.k: expected a value"));
  EXPECT_EQ(error_of(deep_block_config(125)),
            "line 130, column 257: nested deeper than 128 levels, the most a config file may nest");
  // Flow style counts the same, and so does a mix of both.
  auto flow_env = [](int brackets) {
    return std::string{minimal_yaml} + "    env: " + std::string(brackets, '[')
           + std::string(brackets, ']') + "\n";
  };
  EXPECT_EQ(error_of(flow_env(125)),
            "models.baseline.env: expected a mapping of keys to values, got a list");
  EXPECT_EQ(error_of(flow_env(126)),
            "line 4, column 135: nested deeper than 128 levels, the most a config file may nest");
  EXPECT_EQ(error_of("x: " + std::string(100000, '[')).rfind("line 1, column ", 0), 0u)
    << "a hundred thousand unclosed brackets";
}

} // namespace
} // namespace janus

// -- server.max_connections and auth (issue 9) ----------------------------------------------

namespace janus {
namespace {

TEST(config, max_connections_defaults_to_10000_and_0_means_no_cap) {
  EXPECT_EQ(parse_config(minimal_yaml).server.max_connections, 10000u);
  EXPECT_EQ(parse_config(std::string{"server:\n  max_connections: 0\n"} + minimal_yaml)
              .server.max_connections, 0u);
  EXPECT_EQ(error_of(std::string{"server:\n  max_connections: 1000001\n"} + minimal_yaml),
            "server.max_connections: must be between 0 and 1000000, got 1000001");
}

TEST(config, without_an_auth_section_no_client_key_is_needed) {
  const auto parsed = parse_config(minimal_yaml);
  EXPECT_FALSE(parsed.auth.keys.enabled());
  EXPECT_FALSE(parsed.auth.metrics_need_key);
}

TEST(config, client_keys_come_from_the_file_and_the_variable_api_keys_env_names) {
  auto file = std::filesystem::temp_directory_path() / ("janus-keys-" + std::to_string(::getpid()));
  std::ofstream{file} << "# keys\nsk-one\nsha256:" << std::string(64, 'a') << "\n";
  ::setenv("JANUS_CONFIG_TEST_KEYS", "sk-two,sk-three", 1);
  const auto parsed = parse_config("auth:\n  api_keys_file: " + file.string()
                                   + "\n  api_keys_env: JANUS_CONFIG_TEST_KEYS\n  metrics: api_key\n"
                                   + minimal_yaml);
  std::filesystem::remove(file);
  EXPECT_EQ(parsed.auth.keys.size(), 4u);
  EXPECT_TRUE(parsed.auth.keys.accepts("Bearer sk-one"));
  EXPECT_TRUE(parsed.auth.keys.accepts("Bearer sk-three"));
  EXPECT_FALSE(parsed.auth.keys.accepts("Bearer sk-four"));
  EXPECT_TRUE(parsed.auth.metrics_need_key);
}

TEST(config, auth_errors_name_the_key) {
  ::unsetenv("JANUS_CONFIG_TEST_UNSET");
  EXPECT_EQ(error_of(std::string{"auth:\n  api_keys_env: JANUS_CONFIG_TEST_UNSET\n"} + minimal_yaml),
            "auth.api_keys_env: the environment variable \"JANUS_CONFIG_TEST_UNSET\" is not set or "
            "empty");
  EXPECT_EQ(error_of(std::string{"auth:\n  api_keys_file: /nonexistent/keys\n"} + minimal_yaml),
            "auth.api_keys_file: cannot read the key file \"/nonexistent/keys\": No such file or "
            "directory");
  EXPECT_EQ(error_of(std::string{"auth:\n  api_keys_file: /dev/zero\n"} + minimal_yaml),
            "auth.api_keys_file: cannot read the key file \"/dev/zero\": larger than 1048576 bytes");
  EXPECT_EQ(error_of(std::string{"auth:\n  metrics: closed\n"} + minimal_yaml),
            "auth.metrics: expected one of open, api_key, got \"closed\"");
  ::setenv("JANUS_CONFIG_TEST_KEYS", " , ", 1);
  EXPECT_EQ(error_of(std::string{"auth:\n  api_keys_env: JANUS_CONFIG_TEST_KEYS\n"} + minimal_yaml),
            "auth.api_keys_env: the list holds no key (comma-separated keys)");
}

TEST(config, process_children_inherit_a_minimal_allowlist_by_default) {
  const auto parsed = parse_config(minimal_yaml);
  EXPECT_EQ(parsed.process.inherit_env,
            (std::vector<std::string>{"PATH", "HOME", "LANG", "LC_*", "TZ"}));
  const auto chosen =
    parse_config(std::string{"process:\n  inherit_env: [PATH, SSL_CERT_*]\n"} + minimal_yaml);
  EXPECT_EQ(chosen.process.inherit_env, (std::vector<std::string>{"PATH", "SSL_CERT_*"}));
  const auto none = parse_config(std::string{"process:\n  inherit_env: []\n"} + minimal_yaml);
  EXPECT_TRUE(none.process.inherit_env.empty());
}

TEST(config, inherit_env_errors_name_the_entry) {
  EXPECT_EQ(error_of(std::string{"process:\n  inherit_env: [PATH, \"*\"]\n"} + minimal_yaml),
            "process.inherit_env[1]: expected a variable name such as PATH or a prefix such as "
            "LC_*, got \"*\"");
  EXPECT_EQ(error_of(std::string{"process:\n  inherit_env: PATH\n"} + minimal_yaml),
            "process.inherit_env: expected a list of strings, got \"PATH\"");
  ::setenv("JANUS_CONFIG_TEST_TOKEN", "x", 1);
  EXPECT_EQ(error_of(std::string{"admin:\n  token_env: JANUS_CONFIG_TEST_TOKEN\n"}
                     + "process:\n  inherit_env: [PATH, JANUS_CONFIG_*]\n" + minimal_yaml),
            "process.inherit_env[1]: \"JANUS_CONFIG_*\" would pass the admin token's variable "
            "\"JANUS_CONFIG_TEST_TOKEN\" (admin.token_env) to every model process");
}

TEST(config, admin_limits_have_safe_defaults_and_can_be_raised) {
  const auto defaults = parse_config(minimal_yaml).admin.limits;
  EXPECT_EQ(defaults.max_memory, std::size_t{1} << 30);
  EXPECT_EQ(defaults.max_cpus, 1.0);
  EXPECT_EQ(defaults.max_pids_limit, 256);
  EXPECT_TRUE(defaults.require_read_only);
  EXPECT_EQ(defaults.max_tmpfs_size, std::size_t{64} << 20);
  EXPECT_EQ(defaults.max_containers, 4);
  EXPECT_EQ(defaults.max_min_warm, 1);
  EXPECT_EQ(defaults.max_concurrency, 16);
  EXPECT_TRUE(defaults.allowed_images.empty());
  EXPECT_FALSE(defaults.allow_command);
  EXPECT_EQ(defaults.denied_env.back(), "LD_*");
  const auto raised = parse_config(std::string{"admin:\n  limits:\n    max_memory: 4GiB\n"
                                               "    max_cpus: 2.5\n    max_pids_limit: 1024\n"
                                               "    require_read_only: false\n"
                                               "    max_tmpfs_size: 256MiB\n"
                                               "    max_containers: 16\n    max_min_warm: 4\n"
                                               "    max_concurrency: 64\n"
                                               "    allowed_images: [\"registry.local/\"]\n"
                                               "    allow_command: true\n"
                                               "    denied_env: [\"SECRET_*\"]\n"}
                                   + minimal_yaml)
                        .admin.limits;
  EXPECT_EQ(raised.max_memory, std::size_t{4} << 30);
  EXPECT_EQ(raised.max_cpus, 2.5);
  EXPECT_EQ(raised.max_pids_limit, 1024);
  EXPECT_FALSE(raised.require_read_only);
  EXPECT_EQ(raised.max_tmpfs_size, std::size_t{256} << 20);
  EXPECT_EQ(raised.max_containers, 16);
  EXPECT_EQ(raised.max_min_warm, 4);
  EXPECT_EQ(raised.max_concurrency, 64);
  EXPECT_EQ(raised.allowed_images, std::vector<std::string>{"registry.local/"});
  EXPECT_TRUE(raised.allow_command);
  EXPECT_EQ(raised.denied_env, std::vector<std::string>{"SECRET_*"});
}

TEST(config, admin_limits_errors_name_the_key) {
  EXPECT_EQ(error_of(std::string{"admin:\n  limits:\n    max_cpus: 0\n"} + minimal_yaml)
              .rfind("admin.limits.max_cpus:", 0),
            0u);
  EXPECT_EQ(error_of(std::string{"admin:\n  limits:\n    allowed_images: [\"\"]\n"} + minimal_yaml),
            "admin.limits.allowed_images[0]: must not be empty (leave the list empty to allow "
            "any image)");
  EXPECT_EQ(error_of(std::string{"admin:\n  limits:\n    denied_env: [\"A=B\"]\n"} + minimal_yaml),
            "admin.limits.denied_env[0]: expected a variable name such as PATH or a prefix such "
            "as LC_*, got \"A=B\"");
  EXPECT_EQ(error_of(std::string{"admin:\n  limits:\n    max_memry: 1GiB\n"} + minimal_yaml)
              .rfind("admin.limits.max_memry: unknown key", 0),
            0u);
}

TEST(config, pool_restarts_are_limited_within_a_window) {
  const auto defaults = parse_config(minimal_yaml).engine;
  EXPECT_EQ(defaults.pool_restart_limit, 5);
  EXPECT_EQ(defaults.pool_restart_window, std::chrono::seconds(60));
  const auto chosen = parse_config(std::string{"engine:\n  pool_restart_limit: 2\n"
                                               "  pool_restart_window: 10s\n"}
                                   + minimal_yaml)
                        .engine;
  EXPECT_EQ(chosen.pool_restart_limit, 2);
  EXPECT_EQ(chosen.pool_restart_window, std::chrono::seconds(10));
  EXPECT_EQ(error_of(std::string{"engine:\n  pool_restart_limit: 0\n"} + minimal_yaml)
              .rfind("engine.pool_restart_limit:", 0),
            0u);
}

} // namespace
} // namespace janus

namespace janus {
namespace {

// -- images from a registry (issue 13) ----------------------------------------------------------

TEST(config, a_docker_model_pulls_if_not_present_unless_it_says_always_or_never) {
  auto parsed = parse_config("runtime: docker\nmodels:\n"
                             "  a:\n    image: 127.0.0.1:5000/miner/a:1\n"
                             "  b:\n    image: 127.0.0.1:5000/miner/b:1\n    pull: always\n"
                             "  c:\n    image: c:1\n    pull: never\n");
  ASSERT_EQ(parsed.models.size(), 3u);
  EXPECT_EQ(parsed.models[0].pull, pull_policy::if_not_present);
  EXPECT_EQ(parsed.models[1].pull, pull_policy::always);
  EXPECT_EQ(parsed.models[2].pull, pull_policy::never);
  EXPECT_EQ(parsed.docker.pull_timeout, 5min);
  EXPECT_TRUE(parsed.docker.registries.empty());
  EXPECT_TRUE(starts_with(error_of("runtime: docker\nmodels:\n  m:\n    image: x\n    pull: sometimes\n"),
                          "models.m.pull: "));
  // A model that is always pulled needs an image reference a pull can use.
  auto bad = error_of("runtime: docker\nmodels:\n  m:\n    image: Bad/Name\n    pull: always\n");
  EXPECT_TRUE(starts_with(bad, "models.m.image: not a valid image reference")) << bad;
}

TEST(config, registry_credentials_come_from_an_environment_variable_or_a_file) {
  ::setenv("JANUS_CONFIG_TEST_REGISTRY", "from-env", 1);
  auto file = std::filesystem::temp_directory_path()
              / ("janus-registry-password-" + std::to_string(::getpid()));
  {
    std::ofstream out{file};
    out << "from-file\n";
  }
  auto parsed = parse_config("runtime: docker\ndocker:\n  pull_timeout: 90s\n  registries:\n"
                             "    - server: 127.0.0.1:5000\n      username: miner\n"
                             "      password_env: JANUS_CONFIG_TEST_REGISTRY\n"
                             "    - server: registry.example\n      username: other\n"
                             "      password_file: " + file.string() + "\n"
                             "models:\n  m:\n    image: x\n");
  std::filesystem::remove(file);
  EXPECT_EQ(parsed.docker.pull_timeout, 90s);
  ASSERT_EQ(parsed.docker.registries.size(), 2u);
  EXPECT_EQ(parsed.docker.registries[0].server, "127.0.0.1:5000");
  EXPECT_EQ(parsed.docker.registries[0].username, "miner");
  EXPECT_EQ(parsed.docker.registries[0].password, "from-env");
  EXPECT_EQ(parsed.docker.registries[1].password, "from-file");
  ::unsetenv("JANUS_CONFIG_TEST_REGISTRY");
}

TEST(config, a_registry_entry_names_the_key_that_is_wrong_and_never_the_secret) {
  auto docker = [](const std::string& entry) {
    return "runtime: docker\ndocker:\n  registries:\n" + entry + "models:\n  m:\n    image: x\n";
  };
  ::setenv("JANUS_CONFIG_TEST_REGISTRY", "top-secret", 1);
  EXPECT_TRUE(starts_with(error_of(docker("    - server: 127.0.0.1:5000\n      username: u\n")),
                          "docker.registries[0].password_env: set exactly one of"));
  EXPECT_TRUE(starts_with(error_of(docker("    - server: 'a b'\n      username: u\n"
                                          "      password_env: JANUS_CONFIG_TEST_REGISTRY\n")),
                          "docker.registries[0].server: "));
  EXPECT_TRUE(starts_with(error_of(docker("    - server: h\n"
                                          "      password_env: JANUS_CONFIG_TEST_REGISTRY\n")),
                          "docker.registries[0].username: required"));
  EXPECT_TRUE(starts_with(error_of(docker("    - server: h\n      username: u\n"
                                          "      password_env: JANUS_CONFIG_TEST_UNSET_VAR\n")),
                          "docker.registries[0].password_env: the environment variable"));
  auto twice = error_of(docker("    - {server: h, username: u, password_env: JANUS_CONFIG_TEST_REGISTRY}\n"
                               "    - {server: h, username: v, password_env: JANUS_CONFIG_TEST_REGISTRY}\n"));
  EXPECT_TRUE(starts_with(twice, "docker.registries[1].server: ")) << twice;
  EXPECT_EQ(twice.find("top-secret"), std::string::npos);
  EXPECT_TRUE(starts_with(error_of(docker("    - {server: h, username: u, passwrd: x}\n")),
                          "docker.registries[0]"));
  EXPECT_TRUE(starts_with(error_of("runtime: docker\ndocker:\n  registries: {}\nmodels:\n  m:\n    image: x\n"),
                          "docker.registries: expected a list"));
  ::unsetenv("JANUS_CONFIG_TEST_REGISTRY");
}

} // namespace
} // namespace janus

namespace janus {
namespace {

TEST(config, the_image_pool_template_is_a_model_entry_without_image_and_warms_nothing) {
  auto defaults = parse_config("runtime: docker\ndocker:\n  network: bridge\nmodels:\n  m:\n    image: x\n");
  EXPECT_EQ(defaults.docker.max_image_pools, 8);
  EXPECT_EQ(defaults.docker.image_pool_template.min_warm, 0);
  EXPECT_EQ(defaults.docker.image_pool_template.prewarm_window, 0ms);
  EXPECT_EQ(defaults.docker.image_pool_template.network, network_mode::bridge);
  auto parsed = parse_config("runtime: docker\ndocker:\n  model_as_image: true\n"
                             "  max_image_pools: 3\n  image_pool_template:\n"
                             "    max_containers: 2\n    idle_ttl: 45s\n    pull: always\n"
                             "    resources: {memory: 256MiB}\nmodels:\n  m:\n    image: x\n");
  EXPECT_EQ(parsed.docker.max_image_pools, 3);
  const auto& t = parsed.docker.image_pool_template;
  EXPECT_EQ(t.min_warm, 0);
  EXPECT_EQ(t.max_containers, 2);
  EXPECT_EQ(t.idle_ttl, 45s);
  EXPECT_EQ(t.pull, pull_policy::always);
  EXPECT_EQ(t.resources.memory, std::size_t{256} << 20);
  EXPECT_EQ(t.image, "");
  auto with_image = error_of("runtime: docker\ndocker:\n  image_pool_template:\n    image: y\n"
                             "models:\n  m:\n    image: x\n");
  EXPECT_TRUE(starts_with(with_image, "docker.image_pool_template.image: not allowed")) << with_image;
  auto bad_key = error_of("runtime: docker\ndocker:\n  image_pool_template:\n    min_wrm: 1\n"
                          "models:\n  m:\n    image: x\n");
  EXPECT_TRUE(starts_with(bad_key, "docker.image_pool_template")) << bad_key;
  EXPECT_TRUE(starts_with(error_of("runtime: docker\ndocker:\n  max_image_pools: 0\n"
                                   "models:\n  m:\n    image: x\n"),
                          "docker.max_image_pools: "));
}

} // namespace
} // namespace janus
