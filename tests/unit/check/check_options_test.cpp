#include "apps/janus-check/check_options.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace janus::check {
namespace {

using namespace std::chrono_literals;

check_options parse_ok(const std::vector<std::string>& args) {
  auto parsed = parse_check_options(args);
  if (!parsed) {
    ADD_FAILURE() << parsed.error().message;
    return {};
  }
  return parsed.value();
}

std::string error_of(const std::vector<std::string>& args) {
  auto parsed = parse_check_options(args);
  return parsed ? std::string{"no error"} : parsed.error().message;
}

TEST(check_options, an_image_alone_gets_the_defaults_janusd_gives_a_model) {
  auto options = parse_ok({"janus-baseline:latest"});
  EXPECT_EQ(options.image, "janus-baseline:latest");
  EXPECT_TRUE(options.url.empty());
  EXPECT_FALSE(options.json);
  EXPECT_EQ(options.settings.startup_timeout, 30s);
  EXPECT_EQ(options.settings.stop_grace, 10s);
  EXPECT_EQ(options.settings.request_timeout, 10s);
  EXPECT_FALSE(options.settings.max_idle_memory);
  EXPECT_EQ(options.settings.model, "janus-check");
  EXPECT_EQ(options.resources.memory, resource_limits{}.memory);
  EXPECT_EQ(options.resources.pids_limit, resource_limits{}.pids_limit);
  EXPECT_EQ(options.docker_socket, "/var/run/docker.sock");
}

TEST(check_options, every_option_is_read_with_or_without_an_equals_sign) {
  auto options = parse_ok({"--json", "--startup-timeout", "5s", "--stop-grace=2s",
                           "--request-timeout", "750ms", "--max-idle-memory", "64MiB",
                           "--memory=128MiB", "--cpus", "0.5", "--pids-limit", "64", "--env",
                           "A=1", "--env=B=x=y", "--model", "m", "--docker-socket",
                           "/run/docker.sock", "--docker-timeout", "3s", "img:tag"});
  EXPECT_TRUE(options.json);
  EXPECT_EQ(options.settings.startup_timeout, 5s);
  EXPECT_EQ(options.settings.stop_grace, 2s);
  EXPECT_EQ(options.settings.request_timeout, 750ms);
  EXPECT_EQ(options.settings.max_idle_memory, 64u << 20);
  EXPECT_EQ(options.resources.memory, 128u << 20);
  EXPECT_DOUBLE_EQ(options.resources.cpus, 0.5);
  EXPECT_EQ(options.resources.pids_limit, 64);
  EXPECT_EQ(options.env, (std::map<std::string, std::string>{{"A", "1"}, {"B", "x=y"}}));
  EXPECT_EQ(options.settings.model, "m");
  EXPECT_EQ(options.docker_socket, "/run/docker.sock");
  EXPECT_EQ(options.docker_timeout, 3s);
  EXPECT_EQ(options.image, "img:tag");
}

TEST(check_options, help_and_version_need_nothing_else) {
  EXPECT_TRUE(parse_ok({"--help"}).help);
  EXPECT_TRUE(parse_ok({"-h", "--bogus"}).help);
  EXPECT_TRUE(parse_ok({"--version"}).version);
}

TEST(check_options, a_bad_argument_is_a_usage_error_naming_the_option) {
  EXPECT_EQ(error_of({}), "an IMAGE to check, or --url of a running server, is needed");
  EXPECT_EQ(error_of({"--frobnicate", "x"}), "unknown option --frobnicate");
  EXPECT_EQ(error_of({"x", "--startup-timeout"}), "--startup-timeout needs a value");
  EXPECT_NE(error_of({"x", "--startup-timeout", "soon"}).find("--startup-timeout"),
            std::string::npos);
  EXPECT_EQ(error_of({"x", "--stop-grace", "0s"}),
            R"(--stop-grace: must be more than 0 and at most 1h, got "0s")");
  EXPECT_NE(error_of({"x", "--memory", "1MiB"}).find("--memory: must be between"),
            std::string::npos);
  EXPECT_EQ(error_of({"x", "--cpus", "lots"}),
            R"(--cpus: must be a number between 0.01 and 1024, got "lots")");
  EXPECT_NE(error_of({"x", "--pids-limit", "2"}).find("--pids-limit"), std::string::npos);
  EXPECT_EQ(error_of({"x", "--env", "=1"}), R"(--env: expected NAME=VALUE, got "=1")");
  EXPECT_EQ(error_of({"x", "--docker-socket", "docker.sock"}),
            R"(--docker-socket: expected an absolute path, got "docker.sock")");
  EXPECT_EQ(error_of({"a", "b"}), "one image at a time, got 2");
}

TEST(check_options, url_takes_a_loopback_server_instead_of_an_image) {
  auto options = parse_ok({"--url", "http://127.0.0.1:8080"});
  EXPECT_TRUE(options.image.empty());
  EXPECT_EQ(options.url, "http://127.0.0.1:8080");
  EXPECT_EQ(options.url_target.host, "127.0.0.1");
  EXPECT_EQ(options.url_target.port, 8080);
  EXPECT_EQ(error_of({"--url", "http://127.0.0.1:8080", "img"}),
            "give an IMAGE or --url, not both");
}

TEST(check_options, only_loopback_urls_are_taken) {
  EXPECT_EQ(parse_loopback_url("http://127.0.0.1:9/").value().port, 9);
  EXPECT_EQ(parse_loopback_url("http://127.8.9.10:80").value().host, "127.8.9.10");
  EXPECT_EQ(parse_loopback_url("http://[::1]:8080").value().host, "::1");
  EXPECT_EQ(parse_loopback_url("http://localhost:8080").value().host, "127.0.0.1");
  for (const char* refused : {"http://198.51.100.1:80", "http://example.com:80", "http://0.0.0.0:80",
                              "https://127.0.0.1:443", "http://127.0.0.1", "http://127.0.0.1:0",
                              "http://127.0.0.1:99999", "http://127.0.0.1:80/v1",
                              "http://[::2]:80", "127.0.0.1:80"}) {
    auto parsed = parse_loopback_url(refused);
    EXPECT_FALSE(parsed) << refused;
    if (!parsed) {
      EXPECT_EQ(parsed.error().message.rfind("--url: ", 0), 0u) << parsed.error().message;
    }
  }
  EXPECT_NE(parse_loopback_url("http://198.51.100.1:80").error().message.find("loopback only"),
            std::string::npos);
}

TEST(check_options, config_and_model_check_a_model_as_that_janusd_config_runs_it) {
  auto file = std::filesystem::temp_directory_path()
              / ("janus-check-options-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out{file};
    out << "runtime: docker\ndocker:\n  socket: /run/other.sock\nmodels:\n  tiny:\n"
           "    image: tiny:1\n    startup_timeout: 7s\n    stop_grace: 3s\n"
           "    env:\n      A: b\n    resources:\n      memory: 64MiB\n";
  }
  auto options = parse_ok({"--config", file.string(), "--model", "tiny", "--stop-grace", "1s"});
  EXPECT_EQ(options.image, "tiny:1");
  EXPECT_EQ(options.settings.model, "tiny");
  EXPECT_EQ(options.settings.startup_timeout, 7s);
  EXPECT_EQ(options.settings.stop_grace, 1s) << "an option wins over the config";
  EXPECT_EQ(options.env.at("A"), "b");
  EXPECT_EQ(options.resources.memory, 64u << 20);
  EXPECT_EQ(options.docker_socket, "/run/other.sock");
  EXPECT_EQ(error_of({"--config", file.string(), "--model", "big"}),
            "--model big: no such model in " + file.string());
  EXPECT_EQ(error_of({"--config", file.string()}),
            "--config needs --model NAME: the model to check");
  std::filesystem::remove(file);
  EXPECT_EQ(error_of({"--config", file.string(), "--model", "tiny"}).rfind("--config ", 0), 0u);
}

} // namespace
} // namespace janus::check
