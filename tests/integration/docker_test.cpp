// Runs the real janusd with the Docker runtime against the real Docker engine and the
// janus-baseline image: pre-warming, byte-exact relaying, deaths noticed through events, idle
// reaping, SIGTERM, SIGKILL and a restart, and a missing image. Containers are isolated (the
// default) unless a test says `network: bridge`; tests/integration/isolation_test.cpp checks
// what isolation holds. Each test owns the containers
// labelled with its own engine id and removes them at its start and end, even when it fails.

#include "tests/integration/docker_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ports.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

namespace janus::test {
namespace {

using namespace std::chrono_literals;

// -- pre-warming ---------------------------------------------------------------------------

TEST_F(docker_runtime, a_pool_prewarms_hardened_bridged_containers_published_on_loopback_only) {
  start_docker(image_model("m", "    network: bridge\n    min_warm: 2\n    max_containers: 3\n"
                                "    resources:\n      memory: 128MiB\n      cpus: 0.5\n"
                                "      pids_limit: 64\n      tmpfs_size: 8MiB\n"));
  auto running = containers();
  ASSERT_EQ(running.size(), 2u) << "min_warm containers run once janusd is ready";
  const auto& id = *running.begin();
  EXPECT_EQ(inspect(id, "{{index .Config.Labels \"janus.engine\"}}"), engine_id_);
  EXPECT_EQ(inspect(id, "{{index .Config.Labels \"janus.model\"}}"), "m");
  EXPECT_EQ(inspect(id, "{{len (index .Config.Labels \"janus.generation\")}}"), "16");
  EXPECT_EQ(inspect(id, "{{json .HostConfig.PortBindings}}"),
            R"({"8080/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]})");
  auto published = sh("docker port " + id).out;
  EXPECT_EQ(published.rfind("8080/tcp -> 127.0.0.1:", 0), 0u) << published;
  EXPECT_EQ(count_of(published, "\n"), 0u) << "published once, on loopback only: " << published;

  EXPECT_EQ(inspect(id, "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}"),
            "134217728 134217728");
  EXPECT_EQ(inspect(id, "{{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}"), "500000000 64");
  EXPECT_EQ(inspect(id, "{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Init}}"), "true true");
  EXPECT_EQ(inspect(id, "{{json .HostConfig.CapDrop}} {{json .HostConfig.SecurityOpt}}"),
            R"(["ALL"] ["no-new-privileges"])");
  EXPECT_EQ(inspect(id, "{{json .HostConfig.Tmpfs}}"), R"({"/tmp":"rw,nosuid,nodev,size=8388608"})");

  auto env = inspect(id, "{{json .Config.Env}}");
  for (const auto* wanted : {"\"PORT=8080\"", "\"HOST=0.0.0.0\"", "\"JANUS_PLATFORM_URL=\"",
                             "\"JANUS_TIMEOUT=300\"", "\"JANUS_BASELINE_CREATED=1700000000\""}) {
    EXPECT_NE(env.find(wanted), std::string::npos) << wanted << " missing from " << env;
  }
}

// -- relaying ------------------------------------------------------------------------------

TEST_F(docker_runtime, answers_equal_the_bridged_containers_own_byte_for_byte) {
  start_docker(image_model("m", "    network: bridge\n    min_warm: 1\n    max_containers: 1\n"));
  auto running = containers();
  ASSERT_EQ(running.size(), 1u);
  const auto id = *running.begin();
  auto published = sh("docker port " + id + " 8080/tcp").out;
  auto colon = published.rfind(':');
  ASSERT_NE(colon, std::string::npos) << published;
  auto direct_port = static_cast<std::uint16_t>(std::stoi(published.substr(colon + 1)));

  auto plain = chat("m", "byte exact please");
  auto via_engine = post_json(port_, "/v1/chat/completions", plain);
  auto via_direct = post_json(direct_port, "/v1/chat/completions", plain);
  ASSERT_EQ(via_engine.status, 200u) << via_engine.body;
  EXPECT_EQ(via_engine.body, via_direct.body);
  EXPECT_EQ(via_engine.header("x-janus-container"), id) << "the container's docker ps id";

  auto streamed = chat("m", "stream it", R"("stream":true,"stream_options":{"include_usage":true})");
  auto s_engine = post_json_streaming(port_, "/v1/chat/completions", streamed);
  auto s_direct = post_json_streaming(direct_port, "/v1/chat/completions", streamed);
  ASSERT_EQ(s_engine.status, 200u);
  EXPECT_TRUE(s_engine.complete);
  EXPECT_EQ(s_engine.body, s_direct.body);
  EXPECT_EQ(s_engine.header("content-type"), "text/event-stream");
  auto data = sse_data_lines(s_engine.body);
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(data.back(), "[DONE]");
}

// -- faults --------------------------------------------------------------------------------

TEST_F(docker_runtime, a_container_killed_while_serving_streams_ends_only_its_own_and_is_replaced) {
  // Health probes every 30 s: only the events stream can notice the death within seconds.
  start_docker(image_model("m", "    min_warm: 2\n    max_containers: 2\n    max_concurrency: 4\n"
                                "    health:\n      interval: 30s\n"));
  auto before = containers();
  ASSERT_EQ(before.size(), 2u);
  // Four 4-second streams, two on each container (fewest in flight first).
  const auto long_stream =
    chat("m", "keep going", R"("stream":true,"janus_baseline":{"tokens":40,"token_delay_ms":100})");
  auto streams = start_streams(port_, long_stream, 4, 5s);
  ASSERT_TRUE(eventually(5s, [&] {
    return metric("janus_pool_inflight_requests", "model=\"m\"") == 4.0;
  }));
  std::this_thread::sleep_for(300ms);
  auto victim = *before.begin();
  auto killed_at = std::chrono::steady_clock::now();
  ASSERT_EQ(sh("docker kill " + victim).status, 0);
  std::chrono::milliseconds replaced{};
  EXPECT_TRUE(eventually(10s, [&] {
    auto now = containers(true);
    if (now.size() == 2 && !now.contains(victim) && containers().size() == 2
        && metric("janus_pool_containers", R"(model="m",state="ready")") == 2.0) {
      replaced = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - killed_at);
      return true;
    }
    return false;
  })) << "the pool did not replace the killed container";
  std::printf("reliability: docker_kill back_at_min_warm_ms=%lld\n",
              static_cast<long long>(replaced.count()));
  EXPECT_LT(replaced, 5s);

  int on_victim = 0;
  int elsewhere = 0;
  for (auto& stream : streams) {
    auto result = stream.get();
    ASSERT_EQ(result.status, 200u);
    EXPECT_TRUE(result.complete) << "every stream ends as HTTP says: " << result.error;
    auto data = sse_data_lines(result.body);
    ASSERT_FALSE(data.empty());
    EXPECT_EQ(data.back(), "[DONE]");
    auto errors = std::count_if(data.begin(), data.end(),
                                [](const std::string& d) { return d.starts_with(R"({"error":)"); });
    if (result.header("x-janus-container") == victim) {
      ++on_victim;
      EXPECT_EQ(errors, 1) << "a stream of the killed container ends with an error frame:\n"
                            << result.body;
      EXPECT_LT(data.size(), 40u) << "it was cut";
    } else {
      ++elsewhere;
      EXPECT_EQ(errors, 0) << "a stream of the other container was disturbed:\n" << result.body;
      EXPECT_GE(data.size(), 42u) << "role, 40 tokens, finish and [DONE]";
    }
  }
  EXPECT_EQ(on_victim, 2);
  EXPECT_EQ(elsewhere, 2);
  std::printf("reliability: docker_kill streams_cut=%d streams_untouched=%d\n", on_victim,
              elsewhere);
  EXPECT_TRUE(eventually(5s, [&] {
    return janusd_->log().find("exited with status 137") != std::string::npos;
  })) << "the log tells how it ended";
  EXPECT_TRUE(eventually(5s, [&] {
    return metric("janus_container_stops_total", R"(model="m",reason="exited")") == 1.0;
  })) << "killed while busy, it exited";
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("m", "still here")).status, 200u);
}

TEST_F(docker_runtime, a_sighup_reload_replaces_only_the_changed_models_container) {
  auto settings = std::string{"    min_warm: 1\n    max_containers: 2\n    prewarm_window: 0s\n"};
  start_docker(image_model("keep", settings) + image_model("change", settings));
  auto before = containers();
  ASSERT_EQ(before.size(), 2u);
  std::string keep_id;
  std::string change_id;
  for (const auto& id : before) {
    (inspect(id, "{{index .Config.Labels \"janus.model\"}}") == "keep" ? keep_id : change_id) = id;
  }
  ASSERT_FALSE(keep_id.empty());
  ASSERT_FALSE(change_id.empty());

  reload(image_model("keep", settings)
         + image_model("change", settings + "    resources:\n      memory: 192MiB\n"));
  ASSERT_TRUE(eventually(30s, [&] {
    auto value = metric("janus_config_reloads_total", "result=\"ok\"");
    return value && *value == 1.0;
  })) << "the reload was not applied";
  EXPECT_TRUE(eventually(20s, [&] {
    auto now = containers();
    return now.size() == 2 && now.contains(keep_id) && !now.contains(change_id);
  })) << "the changed model's container is replaced, the unchanged one's is the same";
  for (const auto& id : containers()) {
    if (id != keep_id) {
      EXPECT_EQ(inspect(id, "{{.HostConfig.Memory}}"), "201326592") << "the new settings";
    }
  }
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("keep", "still here")).status, 200u);
  EXPECT_EQ(post_json(port_, "/v1/chat/completions", chat("change", "new me")).status, 200u);
}

TEST_F(docker_runtime, idle_containers_above_min_warm_are_stopped_and_removed) {
  start_docker(image_model("m", "    min_warm: 0\n    max_containers: 1\n    idle_ttl: 1s\n"
                                "    prewarm_window: 0s\n"));
  EXPECT_TRUE(containers(true).empty());
  auto started = std::chrono::steady_clock::now();
  auto first = post_json(port_, "/v1/chat/completions", chat("m", "wake up"));
  auto cold = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - started);
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.header("x-janus-start"), "cold");
  std::cout << "cold start through janusd (create, start, port, health, answer): "
            << cold.count() << " ms\n";
  EXPECT_EQ(containers().size(), 1u);
  EXPECT_TRUE(eventually(10s, [&] { return containers(true).empty(); }))
    << "the idle container was not stopped and removed";
}

TEST_F(docker_runtime, a_cold_start_logs_how_long_create_start_inspect_netns_and_readiness_took) {
  log_yaml_ = "  level: info\n";
  // No prepared container (docker_prepared_test.cpp has those): this start creates its own.
  start_docker(image_model("m", "    min_warm: 0\n    max_containers: 1\n    prepare_ahead: 0\n"));
  auto first = post_json(port_, "/v1/chat/completions", chat("m", "wake up"));
  ASSERT_EQ(first.status, 200u) << first.body;
  ASSERT_EQ(first.header("x-janus-start"), "cold");
  std::string ready;
  EXPECT_TRUE(eventually(3s, [&] {
    auto log = janusd_->log();
    auto at = log.find("container ready");
    if (at == std::string::npos) {
      return false;
    }
    ready = log.substr(at, log.find('\n', at) - at);
    return true;
  })) << janusd_->log();
  // wait (for a start slot), create, run (the engine's start call), inspect (for its process)
  // and netns (its namespace opened) as the runtime timed them, then the readiness probes, in
  // that order.
  std::size_t last = 0;
  for (const auto* field : {"start_ms=", "wait_ms=", "create_ms=", "run_ms=", "inspect_ms=",
                            "netns_ms=", "ready_ms=", "probes="}) {
    auto at = ready.find(field);
    ASSERT_NE(at, std::string::npos) << field << " missing: " << ready;
    EXPECT_GT(at, last) << field << " out of order: " << ready;
    last = at;
  }
  auto create_ms = std::stod(ready.substr(ready.find("create_ms=") + 10));
  auto start_ms = std::stod(ready.substr(ready.find("start_ms=") + 9));
  EXPECT_GT(create_ms, 0.0);
  EXPECT_LT(create_ms, start_ms) << ready;
}

// -- lifecycle of janusd -------------------------------------------------------------------

TEST_F(docker_runtime, sigterm_stops_and_removes_every_container_janusd_started) {
  start_docker(image_model("m", "    min_warm: 2\n    stop_grace: 5s\n")
               + image_model("n", "    min_warm: 1\n", "janus-baseline-terse:latest"));
  ASSERT_EQ(containers().size(), 3u);
  janusd_->signal(SIGTERM);
  auto status = janusd_->wait_for_exit(30s);
  ASSERT_TRUE(status) << "janusd did not exit";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_wait_status(*status);
  EXPECT_TRUE(containers(true).empty()) << "a container outlived janusd";
}

TEST_F(docker_runtime, after_sigkill_under_load_a_restart_adopts_every_container_and_sigterm_leaves_none) {
  const auto models = image_model("m", "    min_warm: 2\n    max_containers: 2\n    max_concurrency: 4\n");
  start_docker(models);
  auto first_run = containers();
  ASSERT_EQ(first_run.size(), 2u);
  // Under load: three streams in flight when janusd is killed.
  const auto long_stream =
    chat("m", "under load", R"("stream":true,"janus_baseline":{"tokens":30,"token_delay_ms":100})");
  auto streams = start_streams(port_, long_stream, 3, 5s);
  ASSERT_TRUE(eventually(5s, [&] {
    return metric("janus_pool_inflight_requests", "model=\"m\"") == 3.0;
  }));
  janusd_->signal(SIGKILL);
  ASSERT_TRUE(janusd_->wait_for_exit(10s));
  for (auto& stream : streams) {
    EXPECT_FALSE(stream.get().complete) << "a stream outlived the janusd that relayed it";
  }
  EXPECT_EQ(containers(), first_run) << "SIGKILL leaves the containers running";

  // Same engine id, same configuration: the containers are adopted, none is started.
  auto restarted_at = std::chrono::steady_clock::now();
  start_docker(models);
  auto serving = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - restarted_at);
  std::printf("reliability: sigkill restart_to_ready_ms=%lld adopted=%zu\n",
              static_cast<long long>(serving.count()), containers(true).size());
  EXPECT_EQ(containers(true), first_run);
  // janusd writes its log in batches (at most 50 ms late).
  EXPECT_TRUE(eventually(2s, [&] { return count_of(janusd_->log(), "adopting container") == 2; }))
    << janusd_->log();
  auto answer = post_json(port_, "/v1/chat/completions", chat("m", "adopted"));
  ASSERT_EQ(answer.status, 200u) << answer.body;
  EXPECT_TRUE(first_run.contains(answer.header("x-janus-container")));

  // A changed configuration: what the earlier run left is removed, new containers start.
  janusd_->signal(SIGKILL);
  ASSERT_TRUE(janusd_->wait_for_exit(10s));
  start_docker(image_model("m", "    min_warm: 2\n    max_containers: 2\n    max_concurrency: 4\n"
                                "    resources:\n      memory: 256MiB\n"));
  // A create that the killed run had under way may complete only now: it is removed as well.
  std::set<std::string> third_run;
  EXPECT_TRUE(eventually(5s, [&] {
    third_run = containers(true);
    return third_run.size() == 2;
  })) << "a container that no pool owns:\n"
      << sh("docker ps -a --filter label=janus.engine=" + engine_id_).out;
  for (const auto& id : first_run) {
    EXPECT_FALSE(third_run.contains(id)) << id << " ran the old configuration";
  }
  EXPECT_TRUE(eventually(2s, [&] {
    return count_of(janusd_->log(), "the model's configuration changed") == 2;
  })) << janusd_->log();

  // A clean stop leaves no container labelled with this engine id.
  janusd_->signal(SIGTERM);
  auto status = janusd_->wait_for_exit(30s);
  ASSERT_TRUE(status) << "janusd did not exit";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_wait_status(*status);
  auto left = containers(true);
  std::printf("reliability: sigkill containers_left_after_sigterm=%zu\n", left.size());
  EXPECT_TRUE(left.empty()) << "a container outlived janusd";
}

// -- errors --------------------------------------------------------------------------------

TEST_F(docker_runtime, a_missing_image_gives_a_clear_503_and_no_tight_retry_loop) {
  // pull: never: the image is not looked for in a registry (Docker Hub is no loopback address);
  // registry_test.cpp covers pulls that fail.
  start_docker(image_model("ghost", "    min_warm: 1\n    pull: never\n",
                           "janus-no-such-image:never"),
               {},
               /*wait_ready=*/false);
  ASSERT_TRUE(wait_for_http(port_, "/health", 10s));
  auto started = std::chrono::steady_clock::now();
  auto answer = post_json(port_, "/v1/chat/completions", chat("ghost", "hello"));
  EXPECT_EQ(answer.status, 503u) << answer.body;
  EXPECT_NE(answer.body.find(R"("code":"no_capacity")"), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find("image janus-no-such-image:never is not in the Docker engine"),
            std::string::npos)
    << answer.body;
  EXPECT_NE(answer.body.find("No such image"), std::string::npos) << "the daemon's own words";
  std::this_thread::sleep_for(3s - (std::chrono::steady_clock::now() - started));
  auto log = janusd_->log();
  auto attempts = count_of(log, "container start failed");
  EXPECT_GE(attempts, 1u) << log;
  EXPECT_LE(attempts, 4u) << "back-off between attempts (1 s, 2 s, ...):\n" << log;
  EXPECT_TRUE(containers(true).empty());
}

/// Needs no Docker engine: janusd must refuse to start when none answers.
TEST(docker_runtime_without_engine, janusd_exits_with_a_clear_message_when_no_engine_answers) {
  auto dir = std::filesystem::temp_directory_path() / "janus-tests" / "docker-no-engine";
  std::filesystem::create_directories(dir);
  auto config = dir / "janusd.yaml";
  std::ofstream{config} << "server:\n  listen: \"127.0.0.1:" << free_port() << "\"\n"
                        << "runtime: docker\ndocker:\n  socket: " << (dir / "no-such.sock").string()
                        << "\nmodels:\n  m:\n    image: janus-baseline:latest\n";
  child_process janusd{{bin_path("janusd"), "--config", config.string()}, {}, dir / "janusd.log"};
  auto status = janusd.wait_for_exit(10s);
  ASSERT_TRUE(status) << "janusd kept running without a Docker engine";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << describe_wait_status(*status);
  EXPECT_NE(janusd.log().find("no Docker engine answers at " + (dir / "no-such.sock").string()),
            std::string::npos)
    << janusd.log();
}

} // namespace
} // namespace janus::test
