// What isolation holds, checked on real containers: the real janusd with the Docker runtime,
// the real Docker engine and an image of the janus-baseline under test. An isolated container's
// network namespace has no interface but `lo` and no route; from inside it (nsenter into it),
// the host's loopback services and other containers do not answer, its platform endpoint does;
// janusd serves chat through it byte for byte, probes it, and adopts it after a SIGKILL. Every
// connection the tests make goes to a loopback address: the host's, or the container's own.

#include "tests/integration/docker_fixture.hpp"
#include "tests/integration/janusd_fixture.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

/// The image the suite runs: built from the janus-baseline under test, under a tag of its own, so
/// that other suites rebuilding janus-baseline:latest meanwhile change nothing here.
constexpr const char* test_image = "janus-isolation-test:latest";

std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in{text};
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

/// A `models:` entry running the test image with a fixed `created` and model id.
std::string test_image_model(const std::string& name, const std::string& settings = {},
                        const std::string& env = {}) {
  return "  " + name + ":\n    image: " + test_image + "\n    env:\n"
         + "      JANUS_BASELINE_CREATED: \"1700000000\"\n      JANUS_BASELINE_MODEL: " + name
         + "\n" + env + settings;
}

/// A listener on the host's 127.0.0.1 that answers every connection with "host" (after reading
/// what the client sent) and closes it, for as long as it lives.
class host_service {
public:
  host_service() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0
        && ::listen(fd_, 16) == 0
        && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
    thread_ = std::thread{[this] {
      while (true) {
        int peer = ::accept(fd_, nullptr, nullptr);
        if (peer < 0) {
          return;
        }
        ++accepted_;
        // Read the request first and the client's end after: closing with unread bytes would
        // reset the connection, and the client could see the reset before "host".
        timeval limit{1, 0};
        ::setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
        std::array<char, 4096> request{};
        [[maybe_unused]] auto got = ::recv(peer, request.data(), request.size(), 0);
        [[maybe_unused]] auto n = ::write(peer, "host", 4);
        ::shutdown(peer, SHUT_WR);
        while (::recv(peer, request.data(), request.size(), 0) > 0) {
        }
        ::close(peer);
      }
    }};
  }

  ~host_service() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }

  std::uint16_t port() const {
    return port_;
  }

  int accepted() const {
    return accepted_;
  }

private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

/// janusd with `runtime: docker`, isolated by default. Skips (or fails, with CI=true) when no
/// Docker engine answers or janusd cannot run as root.
class isolation : public janusd_fixture {
protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) {
      unavailable_ = "isolated containers need janusd to run as root";
      return;
    }
    auto info = sh("docker info --format '{{.ServerVersion}}'");
    if (info.status != 0) {
      unavailable_ = "no Docker engine answers (`docker info`: " + info.out + ")";
      return;
    }
    if (sh("command -v nsenter && command -v ip && command -v curl").status != 0) {
      unavailable_ = "nsenter, ip (iproute2) and curl are needed to look inside a namespace";
      return;
    }
    auto context = sh("mktemp -d").out;
    auto built = sh("cp " + std::string{JANUS_SOURCE_DIR} + "/deploy/baseline/Dockerfile " + context
                    + "/ && cp " + bin_path("janus-baseline") + " " + context
                    + "/janus-baseline && DOCKER_BUILDKIT=0 docker build -q -t " + test_image + " "
                    + context + "; status=$?; rm -rf " + context + "; exit $status");
    if (built.status != 0) {
      unavailable_ = "cannot build " + std::string{test_image} + ": " + built.out;
    }
  }

  void SetUp() override {
    if (!unavailable_.empty()) {
      if (const char* ci = std::getenv("CI"); ci != nullptr && std::string{ci} == "true") {
        FAIL() << "CI=true and the isolation tests cannot run: " << unavailable_;
      }
      GTEST_SKIP() << "isolation tests skipped: " << unavailable_;
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    engine_id_ = "ji-" + std::string{info->name()}.substr(0, 56);
    remove_all();
    // A platform port that nothing uses on the host, to show that the host does not see it.
    platform_port_ = free_port();
  }

  void TearDown() override {
    janusd_fixture::TearDown();
    if (HasFailure() && !engine_id_.empty()) {
      std::cerr << "--- containers of " << engine_id_ << " ---\n"
                << sh("docker ps -a --filter label=janus.engine=" + engine_id_).out << "\n";
    }
    if (janusd_ && janusd_->running()) {
      janusd_->signal(SIGTERM);
      janusd_->wait_for_exit(30s);
    }
    janusd_.reset();
    if (!engine_id_.empty()) {
      remove_all();
    }
  }

  /// `platform_yaml`: more keys of the platform section, indented by two.
  void start_docker(const std::string& models_yaml, bool wait_ready = true,
                    const std::string& docker_yaml = {}, const std::string& platform_yaml = {}) {
    top_level_yaml_ = "runtime: docker\ndocker:\n  engine_id: " + engine_id_ + "\n" + docker_yaml
                      + "platform:\n  port: " + std::to_string(platform_port_) + "\n"
                      + platform_yaml;
    start(models_yaml, {}, wait_ready);
  }

  /// Whether janusd's log shows `text` within `timeout` (it is written in batches).
  bool log_has(const std::string& text, std::chrono::milliseconds timeout = 5s) {
    return eventually(timeout, [&] { return janusd_->log().find(text) != std::string::npos; });
  }

  /// This test's running containers (short ids) whose model is `model`, or all of them.
  std::set<std::string> containers(const std::string& model = {}) {
    auto filter = " --filter label=janus.engine=" + engine_id_
                  + (model.empty() ? std::string{} : " --filter label=janus.model=" + model);
    auto listed = lines_of(sh("docker ps -q" + filter).out);
    return {listed.begin(), listed.end()};
  }

  static std::string inspect(const std::string& id, const std::string& format) {
    return sh("docker inspect --format '" + format + "' " + id).out;
  }

  static std::string pid_of(const std::string& id) {
    return inspect(id, "{{.State.Pid}}");
  }

  /// The value of variable `name` in container `id`'s environment, as `docker inspect` shows it.
  static std::string env_of(const std::string& id, const std::string& name) {
    for (const auto& line : lines_of(inspect(id, "{{range .Config.Env}}{{println .}}{{end}}"))) {
      if (line.starts_with(name + "=")) {
        return line.substr(name.size() + 1);
      }
    }
    return {};
  }

  /// `GET path` on container `id`'s platform endpoint, from inside it, with its own token (or
  /// `token`): the body and " <status>", or "curl exit N" when nothing answered.
  std::string platform_get(const std::string& id, const std::string& path,
                           std::optional<std::string> token = std::nullopt) {
    auto bearer = token.value_or(env_of(id, "JANUS_LLM_API_KEY"));
    return curl_inside(id, "-w ' %{http_code}' -H 'Authorization: Bearer " + bearer
                             + "' http://127.0.0.1:" + std::to_string(platform_port_) + path);
  }

  /// `command` run inside the network namespace of container `id` (host binaries).
  static command_result inside(const std::string& id, const std::string& command,
                               bool raw = false) {
    return sh("nsenter -t " + pid_of(id) + " -n " + command, raw);
  }

  /// curl from inside container `id`'s namespace: the body as it came, or "curl exit N" when no
  /// answer came.
  static std::string curl_inside(const std::string& id, const std::string& args) {
    auto got = inside(id, "curl -sS -m 3 " + args, true);
    return got.status == 0 ? got.out : "curl exit " + std::to_string(got.status);
  }

  void remove_all() {
    sh("docker ps -aq --filter label=janus.engine=" + engine_id_ + " | xargs -r docker rm -f");
  }

  std::string engine_id_;
  std::uint16_t platform_port_ = 0;
  static inline std::string unavailable_;
};

// -- the namespace -------------------------------------------------------------------------

TEST_F(isolation, an_isolated_container_has_no_interface_but_lo_no_route_and_publishes_nothing) {
  start_docker(test_image_model("m", "    min_warm: 1\n"));
  auto running = containers();
  ASSERT_EQ(running.size(), 1u);
  const auto id = *running.begin();
  EXPECT_EQ(inspect(id, "{{.HostConfig.NetworkMode}}"), "none");
  EXPECT_EQ(inspect(id, "{{json .HostConfig.PortBindings}}"), "null");
  EXPECT_EQ(inspect(id, "{{json .Config.ExposedPorts}}"), "{\"8080/tcp\":{}}")
    << "the image's EXPOSE stays in its config, and nothing publishes it";
  EXPECT_EQ(sh("docker port " + id).out, "") << "nothing published on the host";

  auto links = lines_of(inside(id, "ip -o link").out);
  ASSERT_EQ(links.size(), 1u) << inside(id, "ip -o link").out;
  EXPECT_NE(links[0].find(": lo: "), std::string::npos) << links[0];
  EXPECT_EQ(inside(id, "ip -4 route show table all").out.find("default"), std::string::npos);
  auto routes = lines_of(inside(id, "ip -4 route").out);
  EXPECT_TRUE(routes.empty()) << inside(id, "ip -4 route").out;
  EXPECT_TRUE(lines_of(inside(id, "ip -6 route").out).empty()) << inside(id, "ip -6 route").out;
}

TEST_F(isolation, from_inside_neither_the_hosts_loopback_nor_other_containers_answer) {
  host_service host;
  ASSERT_NE(host.port(), 0);
  ASSERT_EQ(sh("curl -sS -m 3 --http0.9 http://127.0.0.1:" + std::to_string(host.port()) + "/").out,
            "host")
    << "the host's service answers on the host";
  start_docker(test_image_model("a", "    min_warm: 1\n") + test_image_model("b", "    min_warm: 1\n")
               + test_image_model("open", "    min_warm: 1\n    network: bridge\n"));
  auto a = *containers("a").begin();
  auto b = *containers("b").begin();
  auto open = *containers("open").begin();
  auto published = sh("docker port " + open + " 8080/tcp").out;
  auto bridged_port = published.substr(published.rfind(':') + 1);
  ASSERT_EQ(sh("curl -s -m 3 -o /dev/null -w '%{http_code}' http://127.0.0.1:" + bridged_port
               + "/health")
              .out,
            "200")
    << "the bridged container answers on the host's loopback";

  for (const auto& id : {a, b}) {
    auto accepted_before = host.accepted();
    EXPECT_EQ(curl_inside(id, "--http0.9 http://127.0.0.1:" + std::to_string(host.port()) + "/"),
              "curl exit 7")
      << "the host's loopback service, from inside " << id;
    EXPECT_EQ(curl_inside(id, "http://127.0.0.1:" + bridged_port + "/health"), "curl exit 7")
      << "the bridged container's published port, from inside " << id;
    EXPECT_EQ(host.accepted(), accepted_before);
  }
  // Each isolated container's 127.0.0.1:8080 is its own: a's never reaches b's.
  EXPECT_NE(curl_inside(a, "http://127.0.0.1:8080/v1/models").find("\"a\""), std::string::npos);
  EXPECT_EQ(curl_inside(a, "http://127.0.0.1:8080/v1/models").find("\"b\""), std::string::npos);
  EXPECT_NE(curl_inside(b, "http://127.0.0.1:8080/v1/models").find("\"b\""), std::string::npos);
}

TEST_F(isolation, its_platform_endpoint_answers_from_inside_and_is_invisible_from_the_host) {
  start_docker(test_image_model("m", "    min_warm: 1\n"));
  auto id = *containers().begin();
  auto port = std::to_string(platform_port_);
  EXPECT_EQ(env_of(id, "JANUS_PLATFORM_URL"), "http://127.0.0.1:" + port)
    << "the container is pointed at its own endpoint";
  EXPECT_EQ(env_of(id, "JANUS_SEARCH_URL"), "http://127.0.0.1:" + port + "/search");
  auto token = env_of(id, "JANUS_LLM_API_KEY");
  EXPECT_EQ(token.size(), 64u) << "a per-container token: " << token;
  // The real platform server answers: who the caller is, known from the endpoint alone.
  auto identity = platform_get(id, "/health");
  EXPECT_TRUE(identity.ends_with(" 200")) << identity;
  EXPECT_NE(identity.find("\"model\":\"m\""), std::string::npos) << identity;
  EXPECT_TRUE(platform_get(id, "/health", "not-the-token").ends_with(" 401"));
  auto unrouted = platform_get(id, "/v1/anything");
  EXPECT_NE(unrouted.find("\"code\":\"not_found\""), std::string::npos) << unrouted;
  EXPECT_TRUE(unrouted.ends_with(" 404")) << unrouted;
  EXPECT_EQ(sh("curl -sS -m 3 http://127.0.0.1:" + port + "/").status, 7)
    << "the host's loopback does not have it";
}

TEST_F(isolation, an_isolated_agent_streams_its_answer_from_the_platform_llm_through_its_endpoint) {
  // The platform's LLM: a janus-baseline on the host's loopback, reached by janusd's platform
  // server (the container itself cannot reach the host).
  auto llm_port = free_port();
  child_process llm{{bin_path("janus-baseline")},
                    {{"PORT", std::to_string(llm_port)},
                     {"HOST", "127.0.0.1"},
                     {"JANUS_BASELINE_TOKENS", "4"},
                     {"JANUS_BASELINE_TOKEN_DELAY_MS", "50"},
                     {"JANUS_BASELINE_MODEL", "platform-llm"},
                     {"JANUS_BASELINE_REQUIRE_AUTHORIZATION", "Bearer real-llm-key"}},
                    std::filesystem::temp_directory_path() / "janus-tests"
                      / ("isolated-llm-" + std::to_string(llm_port) + ".log")};
  ASSERT_TRUE(wait_for_http(llm_port, "/health", 10s));
  env_["JANUS_TEST_LLM_KEY"] = "real-llm-key";
  start_docker(test_image_model("agent", "    min_warm: 1\n    max_containers: 1\n",
                           "      JANUS_BASELINE_MODE: agent\n"),
               true, {},
               "  routes:\n    /v1/chat/completions:\n      upstream: http://127.0.0.1:"
                 + std::to_string(llm_port)
                 + "/v1/chat/completions\n      headers:\n        Authorization: {env: "
                   "JANUS_TEST_LLM_KEY, prefix: \"Bearer \"}\n");
  auto id = *containers().begin();
  auto streamed = post_json_streaming(
    port_, "/v1/chat/completions",
    R"({"model":"agent","stream":true,"messages":[{"role":"user","content":"one two three four"}]})",
    {}, {{"x-request-id", "isolated-req-1"}});
  ASSERT_EQ(streamed.status, 200u) << streamed.body;
  EXPECT_TRUE(streamed.complete) << streamed.error;
  EXPECT_EQ(streamed.header("x-janus-container"), id);
  auto data = sse_data_lines(streamed.body);
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(data.back(), "[DONE]");
  EXPECT_NE(streamed.body.find("\"model\":\"platform-llm\""), std::string::npos)
    << "the answer did not come from the platform LLM: " << streamed.body;
  ASSERT_GE(streamed.frames.size(), 5u);
  EXPECT_GE(streamed.frames.back().at - streamed.frames.front().at, 100ms)
    << "the stream arrived at once, not as the platform LLM wrote it";
  EXPECT_TRUE(eventually(5s, [&] {
    return metric("janus_platform_requests_total",
                  R"(model="agent",route="/v1/chat/completions",code="200")")
           == std::optional<double>{1.0};
  }));
  EXPECT_TRUE(log_has("request_id=isolated-req-1"));
  EXPECT_EQ(inspect(id, "{{range .Config.Env}}{{println .}}{{end}}").find("real-llm-key"),
            std::string::npos)
    << "the real credential entered the container";
}

TEST_F(isolation, a_model_that_calls_the_platform_in_its_first_millisecond_starts) {
  auto probe = std::string{"      JANUS_BASELINE_PLATFORM_PROBE_AT_START: \"1\"\n"};
  start_docker(test_image_model("m", "    min_warm: 2\n", probe));
  auto running = containers();
  ASSERT_EQ(running.size(), 2u);
  for (const auto& id : running) {
    auto logs = sh("docker logs " + id).out;
    EXPECT_NE(logs.find("platform probe at start: ok"), std::string::npos) << logs;
    EXPECT_EQ(inspect(id, "{{json .Config.Entrypoint}}"), "[\"/.janus/init\"]");
    auto top = sh("docker top " + id + " -o pid,args").out;
    EXPECT_NE(top.find("docker-init -- /.janus/init"), std::string::npos)
      << "Docker's init stays PID 1, in front of janus-init: " << top;
    EXPECT_NE(top.find("/janus-baseline"), std::string::npos) << top;
  }
}

TEST_F(isolation, the_probe_at_start_fails_loudly_when_no_endpoint_answers) {
  // The same switch on a bridged container, whose platform URL nothing serves: the model exits
  // at once, so the test above shows the endpoint was there in time.
  auto probe = std::string{"      JANUS_BASELINE_PLATFORM_PROBE_AT_START: \"1\"\n"
                           "      JANUS_PLATFORM_URL: \"http://127.0.0.1:9\"\n"};
  start_docker(test_image_model("m", "    min_warm: 1\n    network: bridge\n", probe), false);
  // Status 3 is the probe's failure; the model may die before the runtime's inspect after the
  // start ("right after its start") or after it ("before becoming ready").
  EXPECT_TRUE(eventually(15s, [&] {
    auto log = janusd_->log();
    return log.find("exited with status 3 before becoming ready") != std::string::npos
           || log.find("exited with status 3 right after its start") != std::string::npos;
  })) << janusd_->log();
}

// -- serving through the namespace ---------------------------------------------------------

TEST_F(isolation, janusd_serves_chat_through_it_byte_for_byte_streamed_or_not) {
  start_docker(test_image_model("m", "    min_warm: 1\n    max_containers: 1\n"));
  auto id = *containers().begin();
  auto plain = chat("m", "byte exact please");
  auto via_engine = post_json(port_, "/v1/chat/completions", plain);
  ASSERT_EQ(via_engine.status, 200u) << via_engine.body;
  EXPECT_EQ(via_engine.header("x-janus-container"), id);
  auto direct = curl_inside(id, "-H 'content-type: application/json' -d '" + plain
                                  + "' http://127.0.0.1:8080/v1/chat/completions");
  EXPECT_EQ(via_engine.body, direct);

  auto streamed = chat("m", "stream it", R"("stream":true,"stream_options":{"include_usage":true})");
  auto s_engine = post_json_streaming(port_, "/v1/chat/completions", streamed);
  ASSERT_EQ(s_engine.status, 200u);
  EXPECT_TRUE(s_engine.complete);
  EXPECT_EQ(s_engine.header("content-type"), "text/event-stream");
  auto s_direct = curl_inside(id, "-N -H 'content-type: application/json' -d '" + streamed
                                    + "' http://127.0.0.1:8080/v1/chat/completions");
  EXPECT_EQ(s_engine.body, s_direct);
  auto data = sse_data_lines(s_engine.body);
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(data.back(), "[DONE]");
  // Keep-alive pooling through the namespace: many requests, few connections.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(post_json(port_, "/v1/chat/completions", plain).status, 200u);
  }
  auto connections = lines_of(inside(id, "ss -Htn state established '( sport = :8080 )'").out);
  EXPECT_LE(connections.size(), 4u) << "pooled upstream connections are reused";
}

/// The capabilities deploy/systemd/janusd.service keeps (`CapabilityBoundingSet=`), as
/// setpriv's names: `+sys_admin,+sys_ptrace,...`; "" when the unit has no such line.
std::string unit_capabilities() {
  std::ifstream unit{JANUS_SOURCE_DIR "/deploy/systemd/janusd.service"};
  constexpr std::string_view key = "CapabilityBoundingSet=";
  std::string line;
  while (std::getline(unit, line)) {
    if (!line.starts_with(key)) {
      continue;
    }
    std::string out;
    for (auto cap : words(line.substr(key.size()))) {
      std::transform(cap.begin(), cap.end(), cap.begin(), [](unsigned char c) { return std::tolower(c); });
      out += (out.empty() ? "+" : ",+") + (cap.starts_with("cap_") ? cap.substr(4) : cap);
    }
    return out;
  }
  return {};
}

/// A field of /proc/PID/status ("CapEff", "NoNewPrivs"), without its name.
std::string proc_status_field(pid_t pid, const std::string& name) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(name + ":")) {
      return words(line.substr(name.size() + 1)).at(0);
    }
  }
  return {};
}

TEST_F(isolation, janusd_with_only_the_units_capabilities_serves_an_isolated_container) {
  // What systemd leaves janusd (CapabilityBoundingSet=, NoNewPrivileges=yes), made here with
  // setpriv: setns into the container's namespace, the platform endpoint in it and the upstream
  // connections must all work with those capabilities alone.
  auto caps = unit_capabilities();
  ASSERT_FALSE(caps.empty()) << "deploy/systemd/janusd.service has no CapabilityBoundingSet=";
  launcher_ = {"setpriv", "--bounding-set", "-all," + caps, "--inh-caps=-all", "--no-new-privs"};
  start_docker(test_image_model("m", "    min_warm: 1\n    max_containers: 1\n"));
  auto pid = janusd_->pid();
  EXPECT_EQ(proc_status_field(pid, "NoNewPrivs"), "1");
  auto effective = std::stoull(proc_status_field(pid, "CapEff"), nullptr, 16);
  EXPECT_EQ(effective, std::stoull(proc_status_field(pid, "CapBnd"), nullptr, 16));
  EXPECT_EQ(static_cast<std::size_t>(__builtin_popcountll(effective)),
            static_cast<std::size_t>(std::count(caps.begin(), caps.end(), '+')))
    << "janusd holds more or fewer capabilities than the unit keeps: " << caps;

  auto id = *containers().begin();
  EXPECT_EQ(inspect(id, "{{.HostConfig.NetworkMode}}"), "none");
  auto answer = post_json(port_, "/v1/chat/completions", chat("m", "with fewer capabilities"));
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_EQ(answer.header("x-janus-container"), id);
  auto streamed = post_json_streaming(port_, "/v1/chat/completions",
                                      chat("m", "streamed so", R"("stream":true)"));
  ASSERT_EQ(streamed.status, 200u);
  EXPECT_TRUE(streamed.complete) << streamed.error;
  EXPECT_TRUE(platform_get(id, "/health").ends_with(" 200"))
    << "the platform endpoint in the container's namespace answers";
}

TEST_F(isolation, health_probes_reach_it_and_a_dead_model_is_replaced) {
  start_docker(test_image_model("m", "    min_warm: 1\n    max_containers: 2\n    stop_grace: 1s\n"
                                "    health:\n      interval: 200ms\n      timeout: 500ms\n"
                                "      threshold: 2\n"));
  auto first = *containers().begin();
  EXPECT_TRUE(eventually(5s, [&] {
    auto ok = metric("janus_health_checks_total", "model=\"m\",result=\"ok\"");
    return ok && *ok >= 3;
  })) << "periodic probes through the namespace answer";
  // The model's server stops answering (stopped, not killed: the container lives on).
  auto model_pid = lines_of(sh("docker top " + first + " -o pid,args | grep janus-baseline | "
                               "grep -v docker-init | awk '{print $1}'")
                              .out);
  ASSERT_EQ(model_pid.size(), 1u);
  ASSERT_EQ(sh("kill -STOP " + model_pid[0]).status, 0);
  EXPECT_TRUE(eventually(10s, [&] {
    auto now = containers();
    return now.size() == 1 && !now.contains(first);
  })) << "the unhealthy container was not replaced";
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("m", "still here")).status, 200u);
}

// -- adoption ------------------------------------------------------------------------------

TEST_F(isolation, after_sigkill_a_restarted_janusd_adopts_isolated_containers) {
  const auto models = test_image_model("m", "    min_warm: 2\n    max_containers: 3\n");
  start_docker(models);
  auto first_run = containers();
  ASSERT_EQ(first_run.size(), 2u);
  janusd_->signal(SIGKILL);
  ASSERT_TRUE(janusd_->wait_for_exit(10s));
  auto some = *first_run.begin();
  EXPECT_EQ(platform_get(some, "/health"), "curl exit 7")
    << "the endpoint went with the janusd that served it";

  start_docker(models);
  EXPECT_EQ(containers(), first_run) << "adopted, none started";
  EXPECT_TRUE(eventually(2s, [&] { return count_of(janusd_->log(), "adopting container") == 2; }))
    << janusd_->log();
  for (int i = 0; i < 4; ++i) {
    auto answer = post_json(port_, "/v1/chat/completions", chat("m", "adopted"));
    ASSERT_EQ(answer.status, 200u) << answer.body;
    EXPECT_TRUE(first_run.contains(answer.header("x-janus-container")));
  }
  for (const auto& id : first_run) {
    // A new endpoint in the adopted container, accepting the token the container holds.
    auto identity = platform_get(id, "/health");
    EXPECT_TRUE(identity.ends_with(" 200")) << "in " << id << ": " << identity;
    EXPECT_NE(identity.find("\"model\":\"m\""), std::string::npos) << identity;
  }

  // The same model bridged is another configuration: nothing is adopted across networks.
  janusd_->signal(SIGKILL);
  ASSERT_TRUE(janusd_->wait_for_exit(10s));
  start_docker(test_image_model("m", "    min_warm: 2\n    max_containers: 3\n    network: bridge\n"));
  std::set<std::string> third_run;
  EXPECT_TRUE(eventually(5s, [&] {
    third_run = containers();
    return third_run.size() == 2;
  }));
  for (const auto& id : first_run) {
    EXPECT_FALSE(third_run.contains(id)) << id << " was isolated";
  }
  // Every isolated container is removed for it (the second run may have started a spare one
  // beside the adopted ones, to keep min_warm idle while the requests held one).
  auto removed_for_the_change = [&](const std::string& id) {
    for (const auto& line : lines_of(janusd_->log())) {
      if (line.find("container=" + id) != std::string::npos
          && line.find("reason=\"the model's configuration changed\"") != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(eventually(2s, [&] {
    return std::all_of(first_run.begin(), first_run.end(), removed_for_the_change);
  })) << janusd_->log();
}

// -- runtime and logs ----------------------------------------------------------------------

TEST_F(isolation, a_runtime_class_the_engine_does_not_know_stops_janusd_naming_the_key) {
  start_docker(test_image_model("m", "    min_warm: 1\n    runtime_class: janus-made-up-runtime\n"),
               false);
  auto status = janusd_->wait_for_exit(20s);
  ASSERT_TRUE(status) << "janusd kept running";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << describe_wait_status(*status);
  EXPECT_NE(janusd_->log().find("configuration error: models.m.runtime_class: the Docker engine "
                                "does not know the runtime \"janus-made-up-runtime\""),
            std::string::npos)
    << janusd_->log();
  EXPECT_TRUE(containers().empty());
}

TEST_F(isolation, a_known_runtime_class_runs_the_container_under_it_with_a_capped_log) {
  start_docker(test_image_model("m", "    min_warm: 1\n    runtime_class: runc\n"), true,
               "  log_max_size: 1MiB\n  log_max_files: 2\n");
  auto id = *containers().begin();
  EXPECT_EQ(inspect(id, "{{.HostConfig.Runtime}}"), "runc");
  EXPECT_EQ(inspect(id, "{{json .HostConfig.LogConfig}}"),
            R"({"Type":"json-file","Config":{"max-file":"2","max-size":"1048576"}})");
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("m", "runc")).status, 200u);
}

} // namespace
} // namespace janus::test
