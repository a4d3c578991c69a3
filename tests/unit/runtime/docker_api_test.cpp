#include "runtime/docker_api.hpp"

#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace janus::docker {
namespace {

container_spec sample_spec() {
  container_spec spec;
  spec.model = "org/echo:2";
  spec.image = "janus-baseline:latest";
  spec.env = {{"JANUS_PLATFORM_URL", "http://platform"}, {"PORT", "9999"}, {"EXTRA", "a b"}};
  spec.labels = {{"janus.engine", "janusd"}, {"janus.instance", "run-1"}};
  spec.resources.memory = 256u << 20;
  spec.resources.cpus = 1.5;
  spec.resources.pids_limit = 100;
  spec.resources.read_only = true;
  spec.resources.tmpfs_size = 32u << 20;
  return spec;
}

rapidjson::Document parsed(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.c_str());
  EXPECT_FALSE(doc.HasParseError()) << json;
  return doc;
}

std::vector<std::string> strings_of(const rapidjson::Value& array) {
  std::vector<std::string> out;
  for (const auto& item : array.GetArray()) {
    out.emplace_back(item.GetString());
  }
  return out;
}

/// Percent-decoding, to read back what url_encode wrote.
std::string url_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string{text.substr(i + 1, 2)}, nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// -- create ------------------------------------------------------------------------------------

TEST(docker_create_body, runs_the_image_with_the_specs_env_and_the_container_contracts_port) {
  auto doc = parsed(create_body(sample_spec()));
  EXPECT_STREQ(doc["Image"].GetString(), "janus-baseline:latest");
  auto bridged = sample_spec();
  bridged.network = network_mode::bridge;
  EXPECT_FALSE(parsed(create_body(bridged)).HasMember("Cmd"))
    << "no command: the image's own entrypoint runs";
  EXPECT_EQ(strings_of(doc["Env"]),
            (std::vector<std::string>{"EXTRA=a b", "HOST=0.0.0.0",
                                      "JANUS_PLATFORM_URL=http://platform", "PORT=8080"}))
    << "PORT and HOST of the contract win over the spec's";
}

TEST(docker_create_body, a_bridged_containers_command_becomes_cmd) {
  auto spec = sample_spec();
  spec.network = network_mode::bridge;
  spec.command = {"/janus-baseline", "--flag", "two words"};
  auto doc = parsed(create_body(spec));
  EXPECT_EQ(strings_of(doc["Cmd"]),
            (std::vector<std::string>{"/janus-baseline", "--flag", "two words"}));
}

TEST(docker_create_body, labels_name_the_engine_the_model_and_the_generation) {
  auto spec = sample_spec();
  auto doc = parsed(create_body(spec));
  const auto& labels = doc["Labels"];
  EXPECT_STREQ(labels["janus.engine"].GetString(), "janusd");
  EXPECT_STREQ(labels["janus.instance"].GetString(), "run-1");
  EXPECT_STREQ(labels["janus.model"].GetString(), "org/echo:2");
  EXPECT_EQ(labels["janus.generation"].GetString(), generation_of(spec));
}

TEST(docker_create_body, a_bridged_container_publishes_8080_on_loopback_only_at_a_port_the_daemon_picks) {
  auto spec = sample_spec();
  spec.network = network_mode::bridge;
  auto doc = parsed(create_body(spec));
  ASSERT_TRUE(doc["ExposedPorts"].HasMember("8080/tcp"));
  const auto& bindings = doc["HostConfig"]["PortBindings"]["8080/tcp"];
  ASSERT_EQ(bindings.Size(), 1u);
  EXPECT_STREQ(bindings[0]["HostIp"].GetString(), "127.0.0.1");
  EXPECT_STREQ(bindings[0]["HostPort"].GetString(), "");
  EXPECT_FALSE(doc["HostConfig"].HasMember("NetworkMode")) << "Docker's default bridge";
}

TEST(docker_create_body, an_isolated_container_has_no_network_and_exposes_and_publishes_nothing) {
  auto spec = sample_spec();
  ASSERT_EQ(spec.network, network_mode::isolated) << "the default";
  auto doc = parsed(create_body(spec));
  EXPECT_STREQ(doc["HostConfig"]["NetworkMode"].GetString(), "none");
  EXPECT_FALSE(doc.HasMember("ExposedPorts"));
  EXPECT_FALSE(doc["HostConfig"].HasMember("PortBindings"));
}

TEST(docker_create_body, applies_the_limits_without_extra_swap) {
  auto doc = parsed(create_body(sample_spec()));
  const auto& host = doc["HostConfig"];
  EXPECT_EQ(host["Memory"].GetInt64(), 256 << 20);
  EXPECT_EQ(host["MemorySwap"].GetInt64(), 256 << 20);
  EXPECT_EQ(host["NanoCpus"].GetInt64(), 1500000000);
  EXPECT_EQ(host["PidsLimit"].GetInt64(), 100);
}

TEST(docker_create_body, hardens_the_container) {
  auto doc = parsed(create_body(sample_spec()));
  const auto& host = doc["HostConfig"];
  EXPECT_TRUE(host["ReadonlyRootfs"].GetBool());
  EXPECT_STREQ(host["Tmpfs"]["/tmp"].GetString(), "rw,nosuid,nodev,size=33554432");
  EXPECT_EQ(strings_of(host["CapDrop"]), std::vector<std::string>{"ALL"});
  EXPECT_EQ(strings_of(host["SecurityOpt"]), std::vector<std::string>{"no-new-privileges"});
  EXPECT_TRUE(host["Init"].GetBool());
  EXPECT_STREQ(host["RestartPolicy"]["Name"].GetString(), "no");

  auto writable = sample_spec();
  writable.resources.read_only = false;
  EXPECT_FALSE(parsed(create_body(writable))["HostConfig"]["ReadonlyRootfs"].GetBool());
}

TEST(docker_create_body, an_isolated_container_starts_with_janus_init_which_then_runs_the_program) {
  create_options options;
  options.platform_port = 9100;
  options.init_path = "/opt/janus/bin/janus-init";
  options.init_wait = std::chrono::milliseconds{35000};
  launch how;
  how.program = {"/janus-baseline", "--x"};
  how.env = {{"JANUS_PLATFORM_URL", "http://127.0.0.1:9100"}};
  auto doc = parsed(create_body(sample_spec(), options, how));
  EXPECT_EQ(strings_of(doc["Entrypoint"]), std::vector<std::string>{"/.janus/init"});
  EXPECT_EQ(strings_of(doc["Cmd"]),
            (std::vector<std::string>{"9100", "35000", "--", "/janus-baseline", "--x"}));
  const auto& mount = doc["HostConfig"]["Mounts"][0];
  EXPECT_STREQ(mount["Type"].GetString(), "bind");
  EXPECT_STREQ(mount["Source"].GetString(), "/opt/janus/bin/janus-init");
  EXPECT_STREQ(mount["Target"].GetString(), "/.janus/init");
  EXPECT_TRUE(mount["ReadOnly"].GetBool());
  EXPECT_TRUE(doc["HostConfig"]["Init"].GetBool()) << "Docker's init stays PID 1, in front";
  EXPECT_EQ(strings_of(doc["Env"]),
            (std::vector<std::string>{"EXTRA=a b", "HOST=0.0.0.0",
                                      "JANUS_PLATFORM_URL=http://127.0.0.1:9100", "PORT=8080"}))
    << "the container's own endpoint wins over the configured platform URL";
}

TEST(docker_image_config, reads_the_entrypoint_and_the_cmd_janus_init_runs) {
  auto image = parse_image_config(R"({"Id":"sha256:9","Config":{"Entrypoint":["/serve"],
    "Cmd":["--port","8080"],"WorkingDir":"/app"}})");
  ASSERT_TRUE(image) << image.error().message;
  EXPECT_EQ(image.value().id, "sha256:9");
  EXPECT_EQ(image.value().working_dir, "/app");
  auto spec = sample_spec();
  auto program = program_of(spec, image.value());
  ASSERT_TRUE(program);
  EXPECT_EQ(program.value(), (std::vector<std::string>{"/serve", "--port", "8080"}));
  spec.command = {"--quiet"};
  EXPECT_EQ(program_of(spec, image.value()).value(), (std::vector<std::string>{"/serve", "--quiet"}))
    << "the model's command replaces the image's CMD, as with docker run";
  auto cmd_only = parse_image_config(R"({"Id":"sha256:9","Config":{"Entrypoint":null,"Cmd":["/bin/x"]}})");
  ASSERT_TRUE(cmd_only);
  EXPECT_EQ(program_of(sample_spec(), cmd_only.value()).value(), std::vector<std::string>{"/bin/x"});
  auto nothing = parse_image_config(R"({"Id":"sha256:9","Config":{}})");
  ASSERT_TRUE(nothing);
  auto none = program_of(sample_spec(), nothing.value());
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("neither an ENTRYPOINT nor a CMD"), std::string::npos);
  EXPECT_FALSE(parse_image_config("[]"));
  EXPECT_FALSE(parse_image_config(R"({"Config":{}})")) << "no Id";
}

TEST(docker_create_body, caps_the_log_and_names_the_oci_runtime_when_the_model_does) {
  create_options options;
  options.log_max_size = 10u << 20;
  options.log_max_files = 3;
  auto doc = parsed(create_body(sample_spec(), options));
  const auto& log = doc["HostConfig"]["LogConfig"];
  EXPECT_STREQ(log["Type"].GetString(), "json-file");
  EXPECT_STREQ(log["Config"]["max-size"].GetString(), "10485760");
  EXPECT_STREQ(log["Config"]["max-file"].GetString(), "3");
  EXPECT_FALSE(doc["HostConfig"].HasMember("Runtime")) << "the engine's default";
  auto sandboxed = sample_spec();
  sandboxed.runtime_class = "runsc";
  EXPECT_STREQ(parsed(create_body(sandboxed))["HostConfig"]["Runtime"].GetString(), "runsc");
  EXPECT_NE(generation_of(sandboxed), generation_of(sample_spec()));
}

TEST(docker_info, lists_the_runtimes_the_engine_knows) {
  auto runtimes = parse_runtimes(R"({"ServerVersion":"20.10.24","Runtimes":{
    "runc":{"path":"runc"},"io.containerd.runc.v2":{"path":"runc"}},"DefaultRuntime":"runc"})");
  ASSERT_TRUE(runtimes) << runtimes.error().message;
  EXPECT_EQ(runtimes.value(), (std::vector<std::string>{"io.containerd.runc.v2", "runc"}));
  EXPECT_FALSE(parse_runtimes(R"({"ServerVersion":"x"})"));
  EXPECT_FALSE(parse_runtimes("nope"));
}

// -- generation --------------------------------------------------------------------------------

TEST(docker_generation, is_sixteen_hex_digits_and_stable) {
  auto generation = generation_of(sample_spec());
  EXPECT_EQ(generation.size(), 16u);
  EXPECT_EQ(generation.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(generation, generation_of(sample_spec()));
}

TEST(docker_generation, ignores_the_labels_so_a_new_run_of_the_engine_can_adopt) {
  auto other_run = sample_spec();
  other_run.labels["janus.instance"] = "run-2";
  EXPECT_EQ(generation_of(other_run), generation_of(sample_spec()));
}

TEST(docker_generation, follows_the_platform_port_but_not_what_differs_per_container) {
  create_options options;
  auto base = generation_of(sample_spec(), options);
  launch how;
  how.program = {"/from-the-image"};
  how.env = {{"JANUS_LLM_API_KEY", "per-container-token"}};
  // The document outlives the view of its labels.
  auto body = parsed(create_body(sample_spec(), options, how));
  auto labels = body["Labels"].GetObject();
  EXPECT_EQ(labels["janus.generation"].GetString(), base)
    << "the per-container token and the image's entrypoint are not part of it";
  options.init_path = "/elsewhere/janus-init";
  EXPECT_EQ(generation_of(sample_spec(), options), base) << "nor where janus-init lies";
  options.platform_port = 9001;
  EXPECT_NE(generation_of(sample_spec(), options), base);
}

TEST(docker_generation, changes_with_anything_the_container_runs_with) {
  const auto base = generation_of(sample_spec());
  auto image = sample_spec();
  image.image = "janus-baseline:2";
  auto env = sample_spec();
  env.env["EXTRA"] = "c";
  auto command = sample_spec();
  command.command = {"/other"};
  auto memory = sample_spec();
  memory.resources.memory = 128u << 20;
  auto cpus = sample_spec();
  cpus.resources.cpus = 2;
  auto bridged = sample_spec();
  bridged.network = network_mode::bridge;
  for (const auto* changed : {&image, &env, &command, &memory, &cpus, &bridged}) {
    EXPECT_NE(generation_of(*changed), base);
  }
}

// -- names and paths ---------------------------------------------------------------------------

TEST(docker_names, a_container_name_replaces_what_docker_refuses_in_the_model_name) {
  EXPECT_EQ(container_name("janusd", "org/echo:2", "1a2b3c4d", 7), "janusd-org-echo-2-1a2b3c4d-7");
  EXPECT_EQ(container_name("e", "plain_name.v1", "t", 1), "e-plain_name.v1-t-1");
}

TEST(docker_names, url_encode_keeps_unreserved_characters_only) {
  EXPECT_EQ(url_encode("a-Z_0.~"), "a-Z_0.~");
  EXPECT_EQ(url_encode("{\"label\":[\"a=b\"]}"), "%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
}

TEST(docker_names, the_list_path_filters_on_the_engine_label) {
  auto path = list_path("janusd");
  const std::string prefix = "/containers/json?all=1&filters=";
  ASSERT_EQ(path.rfind(prefix, 0), 0u) << path;
  EXPECT_EQ(url_decode(path.substr(prefix.size())), R"({"label":["janus.engine=janusd"]})");
}

TEST(docker_names, the_events_path_asks_for_creations_deaths_and_ooms_of_the_engines_containers) {
  auto now = events_path("e1", 0);
  const std::string prefix = "/events?filters=";
  ASSERT_EQ(now.rfind(prefix, 0), 0u) << now;
  EXPECT_EQ(url_decode(now.substr(prefix.size())),
            R"({"type":["container"],"event":["create","die","oom"],"label":["janus.engine=e1"]})");
  auto since = events_path("e1", 1700000000123456789);
  EXPECT_EQ(since.rfind("/events?since=1700000000.123456789&filters=", 0), 0u) << since;
  EXPECT_EQ(events_path("e1", 1700000000000000007).find("since=1700000000.000000007"), 8u);
}

TEST(docker_names, a_short_id_is_the_first_twelve_digits) {
  EXPECT_EQ(short_id("c3a281a72b1c3ed7073400e69e210ebf"), "c3a281a72b1c");
  EXPECT_EQ(short_id("abc"), "abc");
}

// -- answers -----------------------------------------------------------------------------------

/// Trimmed from a real Docker 20.10 inspect answer.
constexpr const char* inspect_running = R"({
  "Id": "c3a281a72b1c3ed7073400e69e210ebf1e40d071accd0509e1851fafec8b8af1",
  "Name": "/janusd-baseline-1a2b3c4d-1",
  "Image": "sha256:4c90664d710c3a112a8ce6cbcf892cebc78211b54278f48afe857c078978a7c3",
  "State": {"Status": "running", "Running": true, "OOMKilled": false, "ExitCode": 0,
            "Health": {"Status": "healthy", "FailingStreak": 0, "Log": []}},
  "Config": {"Image": "janus-baseline:latest",
             "Labels": {"janus.engine": "janusd", "janus.model": "baseline"}},
  "NetworkSettings": {"Ports": {"8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "40000"},
                                             {"HostIp": "127.0.0.1", "HostPort": "32769"}]}}
})";

TEST(docker_inspect, reads_state_labels_image_health_and_the_loopback_port) {
  auto state = parse_inspect(inspect_running);
  ASSERT_TRUE(state) << state.error().message;
  const auto& c = state.value();
  EXPECT_EQ(c.id, "c3a281a72b1c3ed7073400e69e210ebf1e40d071accd0509e1851fafec8b8af1");
  EXPECT_EQ(c.name, "janusd-baseline-1a2b3c4d-1");
  EXPECT_EQ(c.image_id.rfind("sha256:4c90", 0), 0u);
  EXPECT_EQ(c.labels.at("janus.model"), "baseline");
  EXPECT_EQ(c.status, "running");
  EXPECT_TRUE(c.running);
  EXPECT_EQ(c.health, "healthy");
  ASSERT_TRUE(c.host_port);
  EXPECT_EQ(*c.host_port, 32769) << "only the 127.0.0.1 binding counts";
}

TEST(docker_inspect, reads_the_process_and_the_network_mode_of_an_isolated_container) {
  auto state = parse_inspect(R"({"Id":"x","State":{"Status":"running","Running":true,"Pid":4242},
    "HostConfig":{"NetworkMode":"none"},"NetworkSettings":{"Ports":{}}})");
  ASSERT_TRUE(state);
  ASSERT_TRUE(state.value().pid);
  EXPECT_EQ(*state.value().pid, 4242);
  EXPECT_EQ(state.value().network_mode, "none");
  EXPECT_FALSE(state.value().host_port);
  auto exited = parse_inspect(R"({"Id":"x","State":{"Running":false,"Pid":0}})");
  ASSERT_TRUE(exited);
  EXPECT_FALSE(exited.value().pid) << "an exited container has no process";
  auto huge = parse_inspect(R"({"Id":"x","State":{"Running":true,"Pid":99999999999}})");
  ASSERT_TRUE(huge);
  EXPECT_FALSE(huge.value().pid);
}

TEST(docker_inspect, has_no_port_while_the_daemon_has_not_bound_it) {
  auto just_started = parse_inspect(R"({"Id":"x","State":{"Running":true},
    "NetworkSettings":{"Ports":{"8080/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}}})");
  ASSERT_TRUE(just_started);
  EXPECT_FALSE(just_started.value().host_port);
  auto no_ports = parse_inspect(R"({"Id":"x","State":{"Running":true},
    "NetworkSettings":{"Ports":{}}})");
  ASSERT_TRUE(no_ports);
  EXPECT_FALSE(no_ports.value().host_port);
  auto null_ports = parse_inspect(R"({"Id":"x","NetworkSettings":{"Ports":{"8080/tcp":null}}})");
  ASSERT_TRUE(null_ports);
  EXPECT_FALSE(null_ports.value().host_port);
}

TEST(docker_inspect, reads_how_an_exited_container_ended) {
  auto state = parse_inspect(R"({"Id":"x","State":{"Status":"exited","Running":false,
    "OOMKilled":true,"ExitCode":137}})");
  ASSERT_TRUE(state);
  EXPECT_FALSE(state.value().running);
  EXPECT_TRUE(state.value().oom_killed);
  EXPECT_EQ(state.value().exit_code, 137);
  EXPECT_EQ(state.value().health, "");
}

TEST(docker_inspect, a_malformed_answer_is_an_error_not_a_crash) {
  EXPECT_FALSE(parse_inspect("not json"));
  EXPECT_FALSE(parse_inspect("[]"));
  EXPECT_FALSE(parse_inspect(R"({"State":{}})")) << "no Id";
}

TEST(docker_list, reads_every_container_with_its_state_health_and_port) {
  auto listed = parse_list(R"json([
    {"Id":"aaa","Names":["/janusd-m-t-1"],"Image":"janus-baseline:latest","ImageID":"sha256:1",
     "Labels":{"janus.engine":"janusd","janus.model":"m","janus.generation":"00ff"},
     "State":"running","Status":"Up 3 minutes (healthy)","HostConfig":{"NetworkMode":"default"},
     "Ports":[{"IP":"127.0.0.1","PrivatePort":8080,"PublicPort":32771,"Type":"tcp"}]},
    {"Id":"bbb","Names":["/janusd-m-t-2"],"ImageID":"sha256:1","Labels":{},
     "State":"exited","Status":"Exited (137) 5 seconds ago","Ports":[],
     "HostConfig":{"NetworkMode":"none"}},
    {"Id":"ccc","Names":["/x"],"Labels":null,"State":"running","Status":"Up 1 second (health: starting)",
     "Ports":[{"IP":"0.0.0.0","PrivatePort":8080,"PublicPort":1234,"Type":"tcp"},
              {"IP":"127.0.0.1","PrivatePort":9090,"PublicPort":1235,"Type":"tcp"}]},
    {"Id":"ddd","State":"running","Status":"Up 2 hours (unhealthy)"}
  ])json");
  ASSERT_TRUE(listed) << listed.error().message;
  const auto& all = listed.value();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].name, "janusd-m-t-1");
  EXPECT_EQ(all[0].image_id, "sha256:1");
  EXPECT_EQ(all[0].labels.at("janus.generation"), "00ff");
  EXPECT_TRUE(all[0].running);
  EXPECT_EQ(all[0].health, "healthy");
  ASSERT_TRUE(all[0].host_port);
  EXPECT_EQ(*all[0].host_port, 32771);
  EXPECT_EQ(all[0].network_mode, "default");
  EXPECT_FALSE(all[1].running);
  EXPECT_EQ(all[1].network_mode, "none");
  EXPECT_EQ(all[1].status, "exited");
  EXPECT_FALSE(all[1].host_port);
  EXPECT_EQ(all[2].health, "starting");
  EXPECT_FALSE(all[2].host_port) << "neither a wildcard binding nor another port counts";
  EXPECT_EQ(all[3].health, "unhealthy");
}

TEST(docker_list, an_empty_list_is_fine_and_a_malformed_one_is_an_error) {
  auto empty = parse_list("[]");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty.value().empty());
  EXPECT_FALSE(parse_list(R"({"message":"oops"})"));
}

TEST(docker_answers, the_ids_of_a_create_and_an_image_inspect) {
  auto created = parse_created(R"({"Id":"e90e34656806","Warnings":[]})");
  ASSERT_TRUE(created);
  EXPECT_EQ(created.value(), "e90e34656806");
  EXPECT_FALSE(parse_created(R"({"Warnings":[]})"));
  auto image = parse_image_id(R"({"Id":"sha256:abc","RepoTags":["janus-baseline:latest"]})");
  ASSERT_TRUE(image);
  EXPECT_EQ(image.value(), "sha256:abc");
}

// -- events ------------------------------------------------------------------------------------

TEST(docker_events, a_die_event_carries_its_exit_code_and_time) {
  auto event = parse_event(
    R"({"status":"die","id":"f3a9e59bae78","from":"janus-baseline:latest","Type":"container",)"
    R"("Action":"die","Actor":{"ID":"f3a9e59bae7827496cf3","Attributes":{"exitCode":"137",)"
    R"("image":"janus-baseline:latest","janus.engine":"janusd"}},"scope":"local",)"
    R"("time":1795725300,"timeNano":1795725300400257459})");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->action, "die");
  EXPECT_EQ(event->id, "f3a9e59bae7827496cf3");
  EXPECT_EQ(event->name, "");
  ASSERT_TRUE(event->exit_code);
  EXPECT_EQ(*event->exit_code, 137);
  EXPECT_EQ(event->time_nanos, 1795725300400257459);
}

TEST(docker_events, an_oom_event_has_no_exit_code) {
  auto event = parse_event(R"({"Type":"container","Action":"oom","Actor":{"ID":"abc",)"
                           R"("Attributes":{"name":"n"}},"time":1795725300})");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->action, "oom");
  EXPECT_EQ(event->name, "n");
  EXPECT_FALSE(event->exit_code);
  EXPECT_EQ(event->time_nanos, 1795725300000000000);
}

TEST(docker_events, lines_that_are_not_container_events_are_ignored) {
  EXPECT_FALSE(parse_event(R"({"Type":"network","Action":"connect","Actor":{"ID":"n"}})"));
  EXPECT_FALSE(parse_event(R"({"Type":"container","Actor":{"ID":"c"}})")) << "no action";
  EXPECT_FALSE(parse_event("{\"Type\":\"container\",\"Act"));
  EXPECT_FALSE(parse_event(""));
}

// -- errors and exits --------------------------------------------------------------------------

TEST(docker_errors, the_daemons_message_is_taken_from_its_json_body) {
  EXPECT_EQ(error_message(404, R"({"message":"No such image: nope:latest"})"),
            "No such image: nope:latest");
  EXPECT_EQ(error_message(500, "  plain text failure\n"), "plain text failure");
  EXPECT_EQ(error_message(502, ""), "HTTP 502");
  EXPECT_EQ(error_message(400, R"({"other":1})"), R"({"other":1})");
}

TEST(docker_errors, an_exit_is_described_with_its_status_and_why) {
  EXPECT_EQ(exit_description(0, false), "exited with status 0");
  EXPECT_EQ(exit_description(1, false), "exited with status 1");
  EXPECT_EQ(exit_description(137, true), "exited with status 137 (OOM killed)");
  EXPECT_EQ(exit_description(137, false), "exited with status 137 (killed by SIGKILL)");
  EXPECT_EQ(exit_description(143, false), "exited with status 143 (killed by SIGTERM)");
  EXPECT_EQ(exit_description(255, false), "exited with status 255");
}

// -- malformed answers ---------------------------------------------------------------------

/// `levels` nested arrays.
std::string nested(int levels) {
  return std::string(static_cast<std::size_t>(levels), '[')
         + std::string(static_cast<std::size_t>(levels), ']');
}

TEST(docker_malformed, an_answer_nested_past_64_levels_is_an_error_and_at_64_it_is_read) {
  auto at_limit = R"({"Id":"x","Extra":)" + nested(max_answer_depth - 1) + "}";
  EXPECT_TRUE(parse_inspect(at_limit)) << "the engine's answers nest 5 levels; 64 are read";
  auto past = R"({"Id":"x","Extra":)" + nested(max_answer_depth) + "}";
  auto refused = parse_inspect(past);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::internal);
  auto killer = R"({"Id":"x","Extra":)" + nested(100000) + "}";
  EXPECT_FALSE(parse_inspect(killer));
  EXPECT_FALSE(parse_list("[" + nested(100000) + "]"));
  EXPECT_FALSE(parse_created(R"({"Id":"x","W":)" + nested(100000) + "}"));
  EXPECT_FALSE(parse_image_id(R"({"Id":"x","W":)" + nested(100000) + "}"));
  EXPECT_FALSE(parse_event(R"({"Type":"container","Action":"die","Actor":{"ID":"c"},"x":)"
                           + nested(100000) + "}"));
  EXPECT_EQ(error_message(500, R"({"message":"m","x":)" + nested(100000) + "}").substr(0, 13),
            R"({"message":"m)")
    << "too deep to read: the body's text stands in for the message";
}

TEST(docker_malformed, truncated_answers_wrong_types_and_trailing_data_are_errors) {
  auto complete = std::string{inspect_running};
  for (std::size_t cut = 0; cut < complete.size(); ++cut) {
    EXPECT_FALSE(parse_inspect(complete.substr(0, cut))) << "cut at " << cut;
  }
  EXPECT_FALSE(parse_inspect(complete + "{}")) << "two values";
  EXPECT_FALSE(parse_inspect(R"({"Id":5})"));
  auto odd = parse_inspect(R"({"Id":"x","Name":7,"State":[],"Config":{"Labels":[1]},)"
                           R"("NetworkSettings":{"Ports":{"8080/tcp":[1,"a",{"HostIp":1},)"
                           R"({"HostIp":"127.0.0.1","HostPort":"99999"}]}}})");
  ASSERT_TRUE(odd) << "fields of the wrong type are ignored: " << odd.error().message;
  EXPECT_FALSE(odd.value().host_port) << "99999 is no port";
  auto listed = parse_list(R"([1,"x",null,{"Id":"a","Names":[1],"Ports":{"x":1}},{"Id":"b",)"
                           R"("Ports":[{"IP":"127.0.0.1","Type":"tcp","PrivatePort":8080,)"
                           R"("PublicPort":-1}]}])");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed.value().size(), 2u);
  EXPECT_FALSE(listed.value()[1].host_port);
  EXPECT_FALSE(parse_inspect("{\"Id\":\"x\xff\"}")) << "not UTF-8";
}

TEST(docker_malformed, an_event_time_too_large_for_nanoseconds_is_left_out) {
  auto event = parse_event(R"({"Type":"container","Action":"die","Actor":{"ID":"c"},)"
                           R"("time":9223372036854775807})");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->time_nanos, 0);
  auto negative = parse_event(R"({"Type":"container","Action":"die","Actor":{"ID":"c",)"
                              R"("Attributes":{"exitCode":"99999999999"}},)"
                              R"("time":-9223372036854775807})");
  ASSERT_TRUE(negative);
  EXPECT_EQ(negative->time_nanos, 0);
  EXPECT_FALSE(negative->exit_code) << "an exit code of 11 digits is none";
}

TEST(docker_malformed, the_daemons_message_is_valid_utf8_and_cut_at_512_bytes_between_characters) {
  EXPECT_EQ(error_message(500, "bad \xff byte"), "bad \xef\xbf\xbd byte");
  EXPECT_EQ(error_message(500, R"({"message":"lone \udc00"})"), "lone \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  std::string long_text = "a";
  for (int i = 0; i < 300; ++i) {
    long_text += "\xc3\xa9"; // 2 bytes each: byte 512 falls inside one
  }
  auto cut = error_message(500, long_text);
  EXPECT_EQ(cut.size(), 511u + 3u);
  EXPECT_EQ(cut.substr(cut.size() - 5), "\xc3\xa9...");
  auto json_cut = error_message(500, R"({"message":")" + long_text + R"("})");
  EXPECT_EQ(json_cut, cut) << "a long message in JSON is cut the same way";
  // Found by fuzz_docker_api: cleaned, 512 bad bytes were 1,536.
  auto bad_bytes = error_message(500, std::string(600, '\xff'));
  EXPECT_EQ(bad_bytes.size(), 510u + 3u) << "170 replacement characters and ...";
  EXPECT_EQ(error_message(500, std::string(512, 'a')), std::string(512, 'a')) << "not cut";
}

} // namespace
} // namespace janus::docker
