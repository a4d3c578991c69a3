#include "model/config.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string_view>
#include <system_error>

#include <openssl/crypto.h>
#include <yaml-cpp/yaml.h>

#include "model/fallback_config_reader.hpp"
#include "model/image_ref.hpp"
#include "model/platform_config_reader.hpp"
#include "model/yaml_depth.hpp"
#include "model/yaml_reader.hpp"

namespace janus {

namespace {

constexpr std::size_t kib = std::size_t{1} << 10;
constexpr std::size_t mib = std::size_t{1} << 20;
constexpr std::size_t gib = std::size_t{1} << 30;

/// The longest duration the configuration accepts: 10 years, far from any clock overflow.
constexpr duration max_duration = std::chrono::hours(87600);

/// The longest model name, in characters.
constexpr std::size_t max_model_name = 128;

/// The range of server.max_json_depth: a chat request nests at least 3 levels
/// (`{"messages":[{...}]}`); past 256 no real request goes, and yaml-cpp stops admin bodies by
/// itself at 500.
constexpr int lowest_json_depth = 3;
constexpr int highest_json_depth = 256;

[[noreturn]] void fail(const std::string& key, const std::string& message) {
  throw config_error(key + ": " + message);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_ascii_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string to_lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return text;
}

/// True when `name` matches `[A-Za-z0-9][A-Za-z0-9._:/-]*` and is at most 128 characters.
bool is_valid_model_name(std::string_view name) {
  if (name.empty() || name.size() > max_model_name || !is_ascii_alnum(name.front())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return is_ascii_alnum(c) || std::string_view{"._:/-"}.find(c) != std::string_view::npos;
  });
}

// -- server -------------------------------------------------------------------------------------

/// The host and port of `server.listen`.
struct listen_address {
  std::string host;
  std::uint16_t port = 0;
};

/// Parses `host:port` or `[ipv6]:port`; the brackets are not part of the returned host.
listen_address parse_listen(const std::string& text, const std::string& key) {
  const std::string expected = "expected host:port, got " + quoted(text);
  listen_address result;
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      fail(key, "expected [address]:port for an IPv6 address, got " + quoted(text));
    }
    result.host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      fail(key, expected);
    }
    result.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (result.host.find(':') != std::string::npos) {
      fail(key, "an IPv6 address must be in brackets, e.g. \"[::1]:8000\", got " + quoted(text));
    }
  }
  if (result.host.empty() || std::any_of(result.host.begin(), result.host.end(), is_space)) {
    fail(key, expected);
  }
  if (port_text.empty() || !std::all_of(port_text.begin(), port_text.end(), is_digit)) {
    fail(key, expected);
  }
  unsigned long port = 0;
  const auto [stop, error] = std::from_chars(port_text.data(),
                                             port_text.data() + port_text.size(), port);
  if (error != std::errc{} || port < 1 || port > 65535) {
    fail(key, "port must be between 1 and 65535, got " + port_text);
  }
  result.port = static_cast<std::uint16_t>(port);
  return result;
}

server_config read_server(yaml_reader reader) {
  server_config result;
  if (const auto listen = reader.find("listen")) {
    const std::string key = reader.key_path("listen");
    auto address = parse_listen(scalar_text(*listen, key, "host:port"), key);
    result.host = std::move(address.host);
    result.port = address.port;
  }
  result.threads = reader.read_int("threads", result.threads, 0, 256);
  result.max_body_bytes = reader.read_size("max_body_bytes", result.max_body_bytes, 1, gib);
  result.max_header_bytes = reader.read_size("max_header_bytes", result.max_header_bytes, kib,
                                             mib);
  result.read_timeout = reader.read_positive_duration("read_timeout", result.read_timeout);
  result.idle_timeout = reader.read_positive_duration("idle_timeout", result.idle_timeout);
  result.request_timeout = reader.read_positive_duration("request_timeout",
                                                         result.request_timeout);
  result.upstream_timeout = reader.read_positive_duration("upstream_timeout",
                                                          result.upstream_timeout);
  result.stream_idle_timeout = reader.read_positive_duration("stream_idle_timeout",
                                                             result.stream_idle_timeout);
  result.max_retries = reader.read_int("max_retries", result.max_retries, 0, 10);
  result.upstream_idle_connections = reader.read_int("upstream_idle_connections",
                                                     result.upstream_idle_connections, 0, 10000);
  result.drain_timeout = reader.read_positive_duration("drain_timeout", result.drain_timeout);
  result.max_json_depth = reader.read_int("max_json_depth", result.max_json_depth,
                                          lowest_json_depth, highest_json_depth);
  result.max_connections = static_cast<std::size_t>(
    reader.read_int("max_connections", static_cast<int>(result.max_connections), 0, 1000000));
  result.sse_keepalive = reader.read_duration("sse_keepalive", result.sse_keepalive);
  if (result.sse_keepalive != duration::zero()
      && (result.sse_keepalive < std::chrono::milliseconds(10)
          || result.sse_keepalive > std::chrono::minutes(10))) {
    fail(reader.key_path("sse_keepalive"),
         "must be 0 (off) or between 10ms and 10m, got "
           + std::to_string(result.sse_keepalive.count()) + "ms");
  }
  result.client_watch_after = reader.read_duration("client_watch_after",
                                                   result.client_watch_after);
  if (result.client_watch_after > std::chrono::seconds(10)) {
    fail(reader.key_path("client_watch_after"),
         "must be between 0 and 10s, got " + std::to_string(result.client_watch_after.count())
           + "ms");
  }
  reader.finish();
  return result;
}

// -- log ----------------------------------------------------------------------------------------

/// `value` in lower case when it is one of `choices` (compared without regard to case); any other
/// value is a config_error naming `key`.
std::string one_of(const std::string& value, const std::string& key,
                   const std::vector<std::string_view>& choices) {
  std::string lower = to_lower(value);
  if (std::find(choices.begin(), choices.end(), lower) != choices.end()) {
    return lower;
  }
  std::string list;
  for (const auto choice : choices) {
    list.append(list.empty() ? "" : ", ").append(choice);
  }
  fail(key, "expected one of " + list + ", got " + quoted(value));
}

log_config read_log(yaml_reader reader) {
  log_config result;
  result.level = one_of(reader.read_string("level", result.level), reader.key_path("level"),
                        {"trace", "debug", "info", "warn", "error", "off"});
  result.format = one_of(reader.read_string("format", result.format), reader.key_path("format"),
                         {"text", "json"});
  result.container_lines_per_second = reader.read_double(
    "container_lines_per_second", result.container_lines_per_second, 0, 1e6);
  result.container_burst = reader.read_double("container_burst", result.container_burst, 1, 1e6);
  result.container_max_line_bytes = reader.read_size(
    "container_max_line_bytes", result.container_max_line_bytes, 256, 1024 * 1024);
  result.container_ring_bytes = reader.read_size("container_ring_bytes",
                                                 result.container_ring_bytes, 0, 64 * 1024 * 1024);
  result.container_keep_gone = reader.read_int("container_keep_gone", result.container_keep_gone,
                                               0, 10000);
  result.container_max_tail = reader.read_int("container_max_tail", result.container_max_tail, 1,
                                              1000000);
  reader.finish();
  return result;
}

// -- models -------------------------------------------------------------------------------------

/// A command given as a list of strings, or as one string split on whitespace.
std::vector<std::string> read_command(const YAML::Node& node, const std::string& key) {
  std::vector<std::string> argv;
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    std::size_t pos = 0;
    while (pos < text.size()) {
      const auto begin = std::find_if_not(text.begin() + pos, text.end(), is_space);
      const auto end = std::find_if(begin, text.end(), is_space);
      if (begin != end) {
        argv.emplace_back(begin, end);
      }
      pos = static_cast<std::size_t>(end - text.begin());
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      argv.push_back(
        scalar_text(node[i], key + "[" + std::to_string(i) + "]", "a string"));
    }
  } else {
    fail(key, "expected a list of strings or a string, got " + describe(node));
  }
  if (!argv.empty() && argv.front().empty()) {
    fail(key + "[0]", "the program must not be empty");
  }
  return argv;
}

/// Environment variables: names without '=', values any scalar taken as its text.
std::map<std::string, std::string> read_env(const YAML::Node& node, const std::string& key) {
  std::map<std::string, std::string> env;
  for (const auto& entry : mapping_entries(node, key)) {
    const std::string name_key = join_path(key, entry.key);
    if (entry.key.empty() || entry.key.find_first_of(std::string_view{"=\0", 2})
                               != std::string::npos) {
      fail(name_key, "not a valid environment variable name");
    }
    env.emplace(entry.key, scalar_text(entry.value, name_key,
                                       "a value (write \"\" for an empty string)"));
  }
  return env;
}

health_config read_health(yaml_reader reader) {
  health_config result;
  result.path = reader.read_string("path", result.path);
  if (result.path.empty() || result.path.front() != '/') {
    fail(reader.key_path("path"), "must start with '/', got " + quoted(result.path));
  }
  const bool printable = std::all_of(result.path.begin(), result.path.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
  });
  if (!printable) {
    fail(reader.key_path("path"),
         "must not contain spaces or control characters, got " + quoted(result.path));
  }
  result.interval = reader.read_positive_duration("interval", result.interval);
  result.timeout = reader.read_positive_duration("timeout", result.timeout);
  result.threshold = reader.read_int("threshold", result.threshold, 1, 100);
  reader.finish();
  return result;
}

/// True when `text` matches `[A-Za-z0-9][A-Za-z0-9_.-]*`: safe in container names and labels.
bool is_valid_engine_id(std::string_view text) {
  if (text.empty() || text.size() > 64 || !is_ascii_alnum(text.front())) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) {
    return is_ascii_alnum(c) || c == '_' || c == '.' || c == '-';
  });
}

resource_limits read_resources(yaml_reader reader) {
  resource_limits result;
  result.memory = reader.read_size("memory", result.memory, 6 * mib, 1024 * gib);
  result.cpus = reader.read_double("cpus", result.cpus, 0.01, 1024);
  result.pids_limit = reader.read_int("pids_limit", result.pids_limit, 8, 1000000);
  result.read_only = reader.read_bool("read_only", result.read_only);
  result.tmpfs_size = reader.read_size("tmpfs_size", result.tmpfs_size, mib, 1024 * gib);
  reader.finish();
  return result;
}

/// `network`: isolated or bridge; `fallback` when absent.
network_mode read_network(yaml_reader& reader, network_mode fallback) {
  auto text = one_of(reader.read_string("network", std::string{to_string(fallback)}),
                     reader.key_path("network"), {"isolated", "bridge"});
  return text == "bridge" ? network_mode::bridge : network_mode::isolated;
}

void read_text_file(const std::string& path, const std::string& key, const std::string& what,
                    std::string& out, std::size_t max_bytes);

/// Largest password file read.
constexpr std::size_t max_password_file_bytes = 64 * kib;

/// One entry of `docker.registries`: `{server, username, password_env | password_file}`.
registry_credentials read_registry(yaml_reader reader) {
  registry_credentials result;
  result.server = reader.read_string("server", result.server);
  result.username = reader.read_string("username", result.username);
  result.password_env = reader.read_string("password_env", result.password_env);
  result.password_file = reader.read_string("password_file", result.password_file);
  reader.finish();
  if (result.server.empty() || result.server.size() > 255
      || std::any_of(result.server.begin(), result.server.end(), [](char c) {
           return !(is_ascii_alnum(c) || c == '.' || c == '-' || c == ':');
         })) {
    fail(reader.key_path("server"), "expected a registry host such as 127.0.0.1:5000 or "
                                    "registry.example, got " + quoted(result.server));
  }
  if (result.username.empty()) {
    fail(reader.key_path("username"), "required");
  }
  if (result.password_env.empty() == result.password_file.empty()) {
    fail(reader.key_path("password_env"), "set exactly one of password_env and password_file");
  }
  if (!result.password_env.empty()) {
    const char* value = std::getenv(result.password_env.c_str());
    if (value == nullptr || *value == '\0') {
      fail(reader.key_path("password_env"),
           "the environment variable " + quoted(result.password_env) + " is not set or empty");
    }
    result.password = value;
  } else {
    read_text_file(result.password_file, reader.key_path("password_file"),
                   "cannot read the password file " + quoted(result.password_file),
                   result.password, max_password_file_bytes);
    while (!result.password.empty()
           && (result.password.back() == '\n' || result.password.back() == '\r')) {
      result.password.pop_back();
    }
    if (result.password.empty()) {
      fail(reader.key_path("password_file"), "the file " + quoted(result.password_file)
                                               + " holds no password");
    }
  }
  return result;
}

/// `docker.registries`: a list of registry_credentials, one per server.
std::vector<registry_credentials> read_registries(yaml_reader& reader) {
  std::vector<registry_credentials> out;
  const auto node = reader.find("registries");
  if (!node) {
    return out;
  }
  const std::string path = reader.key_path("registries");
  if (!node->IsSequence()) {
    fail(path, "expected a list of {server, username, password_env or password_file}, got "
                 + describe(*node));
  }
  for (std::size_t i = 0; i < node->size(); ++i) {
    const std::string entry_path = path + "[" + std::to_string(i) + "]";
    if (!(*node)[i].IsMap()) {
      fail(entry_path, "expected a mapping {server, username, password_env or password_file}");
    }
    auto entry = read_registry(yaml_reader{(*node)[i], entry_path});
    for (const auto& earlier : out) {
      if (earlier.server == entry.server) {
        fail(entry_path + ".server", "the registry " + quoted(entry.server) + " is listed twice");
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

model_config read_model(const yaml_entry& entry, const std::string& runtime,
                        const docker_config& docker, const std::string& prefix);

/// `docker.image_pool_template`: a model entry without `image` (the request's model name is the
/// image), whose min_warm and prewarm_window default to 0.
model_config read_image_pool_template(const YAML::Node& node, const docker_config& docker) {
  const std::string path = "docker.image_pool_template";
  if (!node.IsMap()) {
    fail(path, "expected a mapping with the settings of a model entry, got " + describe(node));
  }
  if (node["image"]) {
    fail(path + ".image", "not allowed: a pool made for a request runs the image its model name "
                          "names");
  }
  auto as_image = docker;
  as_image.model_as_image = true;
  auto out = read_model(yaml_entry{"image-pool-template", node}, "docker", as_image, path);
  if (!node["min_warm"]) {
    out.min_warm = 0;
  }
  if (!node["prewarm_window"]) {
    out.prewarm_window = duration::zero();
  }
  out.image.clear();
  return out;
}

docker_config read_docker(yaml_reader reader) {
  docker_config result;
  result.socket = reader.read_string("socket", result.socket);
  if (result.socket.rfind("unix://", 0) == 0) {
    result.socket.erase(0, std::string_view{"unix://"}.size());
  }
  if (result.socket.empty() || result.socket.front() != '/') {
    fail(reader.key_path("socket"),
         "expected an absolute path such as /var/run/docker.sock, got " + quoted(result.socket));
  }
  result.engine_id = reader.read_string("engine_id", result.engine_id);
  if (!is_valid_engine_id(result.engine_id)) {
    fail(reader.key_path("engine_id"),
         "must match [A-Za-z0-9][A-Za-z0-9_.-]* and be at most 64 characters, got "
           + quoted(result.engine_id));
  }
  result.max_parallel_starts = reader.read_int("max_parallel_starts", result.max_parallel_starts,
                                               1, 64);
  result.call_timeout = reader.read_positive_duration("call_timeout", result.call_timeout);
  result.model_as_image = reader.read_bool("model_as_image", result.model_as_image);
  result.network = read_network(reader, result.network);
  result.spare_sockets = reader.read_int("spare_sockets", result.spare_sockets, 0, 64);
  result.init = reader.read_string("init", result.init);
  if (!result.init.empty() && result.init.front() != '/') {
    fail(reader.key_path("init"), "expected an absolute path, got " + quoted(result.init));
  }
  result.log_max_size = reader.read_size("log_max_size", result.log_max_size, 64 * 1024,
                                         64 * gib);
  result.log_max_files = reader.read_int("log_max_files", result.log_max_files, 1, 100);
  result.pull_timeout = reader.read_positive_duration("pull_timeout", result.pull_timeout);
  result.registries = read_registries(reader);
  result.max_image_pools = reader.read_int("max_image_pools", result.max_image_pools, 1, 1000);
  // A pool made for a request keeps nothing warm past its idle_ttl unless the template says so.
  result.image_pool_template.network = result.network;
  result.image_pool_template.prewarm_window = duration::zero();
  if (const auto node = reader.find("image_pool_template")) {
    result.image_pool_template = read_image_pool_template(*node, result);
  }
  reader.finish();
  return result;
}

/// Reads and validates one entry of `models`; its key is the model's name. `prefix`: the key
/// path of the entry's fields in error messages.
model_config read_model(const yaml_entry& entry, const std::string& runtime,
                        const docker_config& docker, const std::string& prefix) {
  if (!is_valid_model_name(entry.key)) {
    fail(prefix.empty() ? "name" : "models", "invalid model name " + quoted(entry.key)
                     + ": must match [A-Za-z0-9][A-Za-z0-9._:/-]* and be at most "
                     + std::to_string(max_model_name) + " characters");
  }
  yaml_reader reader{entry.value, prefix};
  model_config result;
  result.name = entry.key;
  if (const auto command = reader.find("command")) {
    result.command = read_command(*command, reader.key_path("command"));
  }
  result.image = reader.read_string("image", result.image);
  const auto pull = one_of(reader.read_string("pull", std::string{to_string(result.pull)}),
                           reader.key_path("pull"), {"if_not_present", "always", "never"});
  result.pull = pull == "always" ? pull_policy::always
                : pull == "never" ? pull_policy::never
                                  : pull_policy::if_not_present;
  if (const auto env = reader.find("env")) {
    result.env = read_env(*env, reader.key_path("env"));
  }
  result.max_containers = reader.read_int("max_containers", result.max_containers, 1, 10000);
  const std::int64_t min_warm = reader.read_int64("min_warm", result.min_warm);
  result.max_concurrency = reader.read_int("max_concurrency", result.max_concurrency, 1, 10000);
  result.idle_ttl = reader.read_positive_duration("idle_ttl", result.idle_ttl);
  result.max_requests = reader.read_uint64("max_requests", result.max_requests);
  result.max_age = reader.read_duration("max_age", result.max_age);
  result.startup_timeout = reader.read_positive_duration("startup_timeout",
                                                         result.startup_timeout);
  result.stop_grace = reader.read_positive_duration("stop_grace", result.stop_grace);
  result.queue_limit = reader.read_int("queue_limit", result.queue_limit, 0, 1000000);
  result.queue_timeout = reader.read_positive_duration("queue_timeout", result.queue_timeout);
  result.health = read_health(reader.read_section("health"));
  result.resources = read_resources(reader.read_section("resources"));
  result.first_byte_timeout = reader.read_duration("first_byte_timeout",
                                                   result.first_byte_timeout);
  result.failure_threshold = reader.read_int("failure_threshold", result.failure_threshold, 1,
                                             1000);
  result.network = read_network(reader, docker.network);
  result.runtime_class = reader.read_string("runtime_class", result.runtime_class);
  if (!result.runtime_class.empty() && !is_valid_engine_id(result.runtime_class)) {
    fail(reader.key_path("runtime_class"),
         "must match [A-Za-z0-9][A-Za-z0-9_.-]* and be at most 64 characters, got "
           + quoted(result.runtime_class));
  }
  result.prewarm_window = reader.read_duration("prewarm_window", result.prewarm_window);
  result.prewarm_headroom = reader.read_double("prewarm_headroom", result.prewarm_headroom, 0, 10);
  result.pause_after = reader.read_positive_duration("pause_after", result.pause_after);
  const std::int64_t max_paused = reader.read_int64("max_paused", result.max_paused);
  const std::int64_t prepare_ahead = reader.read_int64("prepare_ahead", result.prepare_ahead);
  result.fallback = read_fallback_config(reader);
  reader.finish();
  if (max_paused < 0 || max_paused > result.max_containers) {
    fail(reader.key_path("max_paused"), "must be between 0 and max_containers ("
                                          + std::to_string(result.max_containers) + "), got "
                                          + std::to_string(max_paused));
  }
  result.max_paused = static_cast<int>(max_paused);
  if (prepare_ahead < 0 || prepare_ahead > result.max_containers) {
    fail(reader.key_path("prepare_ahead"), "must be between 0 and max_containers ("
                                             + std::to_string(result.max_containers) + "), got "
                                             + std::to_string(prepare_ahead));
  }
  result.prepare_ahead = static_cast<int>(prepare_ahead);
  if (min_warm < 0 || min_warm > result.max_containers) {
    fail(reader.key_path("min_warm"), "must be between 0 and max_containers ("
                                        + std::to_string(result.max_containers) + "), got "
                                        + std::to_string(min_warm));
  }
  result.min_warm = static_cast<int>(min_warm);
  if (result.fallback.always) {
    // Upstream-only: a pool without containers, listed like any other model.
    if (!result.command.empty() || !result.image.empty()) {
      fail(reader.key_path(result.command.empty() ? "image" : "command"),
           "an upstream-only model (upstream: set) runs no containers: leave it out");
    }
    result.min_warm = 0;
    result.max_containers = 0;
    result.max_paused = 0;
    result.prepare_ahead = 0;
    return result;
  }
  if (runtime == "process" && result.command.empty()) {
    fail(reader.key_path("command"), "required for the process runtime");
  }
  if (std::any_of(result.image.begin(), result.image.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
    fail(reader.key_path("image"),
         "must not contain spaces or control characters, got " + quoted(result.image));
  }
  if (runtime == "docker" && result.image.empty()) {
    if (!docker.model_as_image) {
      fail(reader.key_path("image"), "required for the docker runtime (or set "
                                     "docker.model_as_image: true to run the image named like "
                                     "the model)");
    }
    result.image = result.name;
  }
  if (runtime == "docker" && result.pull == pull_policy::always) {
    // A pull needs a reference; an image that is only pulled when missing is checked then.
    if (auto ref = parse_image_ref(result.image); !ref) {
      fail(reader.key_path("image"), ref.error().message + ", got " + quoted(result.image)
                                       + " (pull: always)");
    }
  }
  return result;
}

std::vector<model_config> read_models(const YAML::Node& node, const std::string& runtime,
                                      const docker_config& docker) {
  if (node.IsSequence() || node.IsScalar()) {
    fail("models", "expected a mapping from model name to its settings, got " + describe(node));
  }
  std::vector<model_config> models;
  for (const auto& entry : mapping_entries(node, "models")) {
    models.push_back(read_model(entry, runtime, docker, join_path("models", entry.key)));
  }
  return models;
}

/// A list of strings; an absent key keeps `fallback`.
std::vector<std::string> read_string_list(yaml_reader& reader, std::string_view key,
                                          std::vector<std::string> fallback) {
  const auto node = reader.find(key);
  if (!node) {
    return fallback;
  }
  const std::string path = reader.key_path(key);
  if (!node->IsSequence()) {
    fail(path, "expected a list of strings, got " + describe(*node));
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node->size(); ++i) {
    out.push_back(scalar_text((*node)[i], path + "[" + std::to_string(i) + "]", "a string"));
  }
  return out;
}

/// True for `[A-Za-z_][A-Za-z0-9_]*`, optionally followed by one `*` (a prefix pattern).
bool is_env_pattern(std::string_view text) {
  if (!text.empty() && text.back() == '*') {
    text.remove_suffix(1);
  }
  if (text.empty() || is_digit(text.front())) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) { return is_ascii_alnum(c) || c == '_'; });
}

/// A list of environment variable names or `PREFIX*` patterns.
std::vector<std::string> read_env_patterns(yaml_reader& reader, std::string_view key,
                                           std::vector<std::string> fallback) {
  auto patterns = read_string_list(reader, key, std::move(fallback));
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    if (!is_env_pattern(patterns[i])) {
      fail(reader.key_path(key) + "[" + std::to_string(i) + "]",
           "expected a variable name such as PATH or a prefix such as LC_*, got "
             + quoted(patterns[i]));
    }
  }
  return patterns;
}

process_config read_process(yaml_reader reader) {
  process_config result;
  result.inherit_env = read_env_patterns(reader, "inherit_env", result.inherit_env);
  reader.finish();
  return result;
}

engine_config read_engine(yaml_reader reader) {
  engine_config result;
  result.pool_restart_limit = reader.read_int("pool_restart_limit", result.pool_restart_limit, 1,
                                              1000);
  result.pool_restart_window = reader.read_positive_duration("pool_restart_window",
                                                             result.pool_restart_window);
  result.reload_timeout = reader.read_positive_duration("reload_timeout", result.reload_timeout);
  reader.finish();
  return result;
}

admin_limits read_admin_limits(yaml_reader reader) {
  admin_limits result;
  result.max_memory = reader.read_size("max_memory", result.max_memory, 6 * mib, 1024 * gib);
  result.max_cpus = reader.read_double("max_cpus", result.max_cpus, 0.01, 1024);
  result.max_pids_limit = reader.read_int("max_pids_limit", result.max_pids_limit, 8, 1000000);
  result.require_read_only = reader.read_bool("require_read_only", result.require_read_only);
  result.max_tmpfs_size = reader.read_size("max_tmpfs_size", result.max_tmpfs_size, mib,
                                           1024 * gib);
  result.max_containers = reader.read_int("max_containers", result.max_containers, 1, 10000);
  result.max_min_warm = reader.read_int("max_min_warm", result.max_min_warm, 0, 10000);
  result.max_concurrency = reader.read_int("max_concurrency", result.max_concurrency, 1, 10000);
  result.allowed_images = read_string_list(reader, "allowed_images", result.allowed_images);
  for (std::size_t i = 0; i < result.allowed_images.size(); ++i) {
    if (result.allowed_images[i].empty()) {
      fail(reader.key_path("allowed_images") + "[" + std::to_string(i) + "]",
           "must not be empty (leave the list empty to allow any image)");
    }
  }
  result.allow_command = reader.read_bool("allow_command", result.allow_command);
  result.allow_fallback = reader.read_bool("allow_fallback", result.allow_fallback);
  result.denied_env = read_env_patterns(reader, "denied_env", result.denied_env);
  reader.finish();
  return result;
}

admin_config read_admin(yaml_reader reader) {
  admin_config result;
  result.token = reader.read_string("token", result.token);
  result.token_env = reader.read_string("token_env", result.token_env);
  result.limits = read_admin_limits(reader.read_section("limits"));
  result.require_conformance = reader.read_bool("require_conformance", result.require_conformance);
  result.conformance_request_timeout = reader.read_positive_duration(
    "conformance_request_timeout", result.conformance_request_timeout);
  result.max_conformance_checks = reader.read_int("max_conformance_checks",
                                                  result.max_conformance_checks, 1, 64);
  result.state_dir = reader.read_string("state_dir", result.state_dir);
  if (!result.state_dir.empty() && result.state_dir.front() != '/') {
    fail(reader.key_path("state_dir"), "expected an absolute path, got " + quoted(result.state_dir));
  }
  reader.finish();
  if (!result.token_env.empty()) {
    if (!result.token.empty()) {
      fail(reader.key_path("token_env"), "set either token or token_env, not both");
    }
    const char* value = std::getenv(result.token_env.c_str());
    if (value == nullptr || *value == '\0') {
      fail(reader.key_path("token_env"),
           "the environment variable " + quoted(result.token_env) + " is not set or empty");
    }
    result.token = value;
  }
  return result;
}

/// Largest key file read: 1000 keys of 512 characters with room for comments.
constexpr std::size_t max_key_file_bytes = mib;

/// Text that holds secrets: wiped when it goes (OPENSSL_cleanse), whatever the path.
struct secret_text {
  std::string text;

  secret_text() = default;
  secret_text(const secret_text&) = delete;
  secret_text& operator=(const secret_text&) = delete;
  ~secret_text() {
    OPENSSL_cleanse(text.data(), text.size());
  }
};

/// Reads the whole file at `path` into `out` (at most `max_bytes`, space reserved up front so
/// that no copy is left behind by a reallocation); a config_error `<key>: <what>: <reason>`
/// when it cannot be read or is larger.
void read_text_file(const std::string& path, const std::string& key, const std::string& what,
                    std::string& out, std::size_t max_bytes);

auth_config read_auth(yaml_reader reader) {
  auth_config result;
  result.api_keys_file = reader.read_string("api_keys_file", result.api_keys_file);
  result.api_keys_env = reader.read_string("api_keys_env", result.api_keys_env);
  result.metrics_need_key = one_of(reader.read_string("metrics", "open"), reader.key_path("metrics"),
                                   {"open", "api_key"}) == "api_key";
  reader.finish();
  if (!result.api_keys_file.empty()) {
    const std::string key = reader.key_path("api_keys_file");
    secret_text file;
    read_text_file(result.api_keys_file, key, "cannot read the key file " + quoted(result.api_keys_file),
                   file.text, max_key_file_bytes);
    result.keys.add_file(file.text, key);
  }
  if (!result.api_keys_env.empty()) {
    const std::string key = reader.key_path("api_keys_env");
    const char* value = std::getenv(result.api_keys_env.c_str());
    if (value == nullptr || *value == '\0') {
      fail(key, "the environment variable " + quoted(result.api_keys_env) + " is not set or empty");
    }
    result.keys.add_list(value, key);
  }
  return result;
}

/// `runtime` when this build provides that backend.
std::string checked_runtime(const std::string& runtime) {
  if (runtime != "process" && runtime != "docker") {
    fail("runtime",
         "unknown runtime " + quoted(runtime) + " (expected \"process\" or \"docker\")");
  }
  return runtime;
}

/// What `sandbox.enabled` needs of the rest of the file: images to run, and a credential that
/// guards the routes (they are never open).
void check_sandbox_needs(const config& cfg) {
  if (!cfg.sandbox.enabled) {
    return;
  }
  if (cfg.runtime != "docker") {
    fail("sandbox.enabled", "needs runtime: docker (a sandbox runs images, isolated)");
  }
  if (cfg.sandbox.auth == sandbox_auth::admin && cfg.admin.token.empty()) {
    fail("sandbox.auth", "admin needs admin.token or admin.token_env (the routes are never open)");
  }
  if (cfg.sandbox.auth == sandbox_auth::api_keys && !cfg.auth.keys.enabled()) {
    fail("sandbox.auth", "api_keys needs auth.api_keys_file or auth.api_keys_env (the routes are "
                         "never open)");
  }
}

// -- files --------------------------------------------------------------------------------------

/// The text as nodes, once its nesting is known to be within `max_depth`; `too_deep` words the
/// refusal, given where the first level past the limit starts.
template <class Refusal>
YAML::Node load_yaml(const std::string& yaml_text, int max_depth, Refusal too_deep) {
  if (const auto excess = find_excess_nesting(yaml_text, max_depth)) {
    throw config_error(too_deep(*excess));
  }
  try {
    return YAML::Load(yaml_text);
  } catch (const YAML::Exception& error) {
    std::string message = "YAML syntax error";
    if (!error.mark.is_null()) {
      message += " at line " + std::to_string(error.mark.line + 1) + ", column "
                 + std::to_string(error.mark.column + 1);
    }
    throw config_error(message + ": " + error.msg);
  }
}

struct file_closer {
  void operator()(std::FILE* file) const {
    std::fclose(file);
  }
};

void read_text_file(const std::string& path, const std::string& key, const std::string& what,
                    std::string& out, std::size_t max_bytes) {
  errno = 0;
  const std::unique_ptr<std::FILE, file_closer> file{std::fopen(path.c_str(), "rb")};
  if (!file) {
    fail(key, what + ": " + std::strerror(errno));
  }
  if (max_bytes != std::string::npos) {
    out.reserve(max_bytes + 4096);
  }
  char buffer[4096];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    out.append(buffer, count);
    if (out.size() > max_bytes) {
      OPENSSL_cleanse(buffer, sizeof buffer);
      fail(key, what + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  OPENSSL_cleanse(buffer, sizeof buffer);
  if (std::ferror(file.get())) {
    fail(key, what + ": " + std::strerror(errno));
  }
}

/// The whole content of the file at `path`; a config_error `<key>: <what>: <reason>` when it
/// cannot be read.
std::string read_text_file(const std::string& path, const std::string& key,
                           const std::string& what) {
  std::string text;
  read_text_file(path, key, what, text, std::string::npos);
  return text;
}

} // namespace

std::string_view to_string(network_mode mode) {
  return mode == network_mode::bridge ? "bridge" : "isolated";
}

std::string_view to_string(pull_policy policy) {
  switch (policy) {
    case pull_policy::always:
      return "always";
    case pull_policy::never:
      return "never";
    case pull_policy::if_not_present:
      break;
  }
  return "if_not_present";
}

duration parse_duration(const std::string& text, const std::string& key) {
  const std::string expected = "expected a duration such as 30, 0.5, 250ms, 30s, 5m or 1h, got "
                               + quoted(text);
  if (text.size() > 1 && text.front() == '-' && (is_digit(text[1]) || text[1] == '.')) {
    fail(key, "must not be negative, got " + quoted(text));
  }
  const std::size_t number_end = std::min(text.find_first_not_of("0123456789."), text.size());
  const std::string_view number{text.data(), number_end};
  const std::string_view unit = std::string_view{text}.substr(number_end);
  if (std::none_of(number.begin(), number.end(), is_digit)
      || std::count(number.begin(), number.end(), '.') > 1) {
    fail(key, expected);
  }
  double milliseconds_per_unit = 0;
  if (unit.empty() || unit == "s") {
    milliseconds_per_unit = 1000;
  } else if (unit == "ms") {
    milliseconds_per_unit = 1;
  } else if (unit == "m") {
    milliseconds_per_unit = 60 * 1000;
  } else if (unit == "h") {
    milliseconds_per_unit = 60 * 60 * 1000;
  } else {
    fail(key, "unknown unit " + quoted(unit) + " (expected ms, s, m or h), got " + quoted(text));
  }
  double value = 0;
  const auto [stop, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (error != std::errc{} || stop != number.data() + number.size()) {
    fail(key, expected);
  }
  const double milliseconds = value * milliseconds_per_unit;
  if (!(milliseconds <= static_cast<double>(max_duration.count()))) {
    fail(key, "must be at most 87600h (10 years), got " + quoted(text));
  }
  return duration{std::llround(milliseconds)};
}

std::size_t parse_size(const std::string& text, const std::string& key) {
  const std::string expected = "expected a size such as 1048576, 512KiB or 1MiB, got "
                               + quoted(text);
  if (text.size() > 1 && text.front() == '-' && is_digit(text[1])) {
    fail(key, "must not be negative, got " + quoted(text));
  }
  const std::size_t number_end = std::min(text.find_first_not_of("0123456789"), text.size());
  const std::string_view number{text.data(), number_end};
  const std::string_view unit = std::string_view{text}.substr(number_end);
  if (number.empty()) {
    fail(key, expected);
  }
  constexpr std::pair<std::string_view, std::size_t> units[] = {
    {"", 1},         {"B", 1},           {"KiB", kib},          {"MiB", mib},
    {"GiB", gib},    {"KB", 1000},       {"MB", 1000 * 1000},   {"GB", 1000 * 1000 * 1000}};
  const auto found = std::find_if(std::begin(units), std::end(units),
                                  [&](const auto& candidate) { return candidate.first == unit; });
  if (found == std::end(units)) {
    if (!unit.empty() && unit.front() == '.') {
      fail(key, "must be a whole number of its unit (write 1536KiB, not 1.5MiB), got "
                  + quoted(text));
    }
    fail(key, "unknown unit " + quoted(unit) + " (expected B, KiB, MiB, GiB, KB, MB or GB), got "
                + quoted(text));
  }
  std::size_t value = 0;
  const auto [stop, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  const std::size_t limit = std::numeric_limits<std::size_t>::max() / found->second;
  if (error != std::errc{} || value > limit) {
    fail(key, "too large, got " + quoted(text));
  }
  return value * found->second;
}

config parse_config(const std::string& yaml_text, const model_context* models_under) {
  // The file is read before its server.max_json_depth is known: it is held to the default.
  const int max_depth = server_config{}.max_json_depth;
  const YAML::Node root = load_yaml(yaml_text, max_depth, [max_depth](yaml_position at) {
    return "line " + std::to_string(at.line) + ", column " + std::to_string(at.column)
           + ": nested deeper than " + std::to_string(max_depth)
           + " levels, the most a config file may nest";
  });
  yaml_reader reader{root, ""};
  config result;
  result.server = read_server(reader.read_section("server"));
  result.platform = read_platform_config(reader.read_section("platform"));
  result.log = read_log(reader.read_section("log"));
  result.runtime = checked_runtime(reader.read_string("runtime", result.runtime));
  result.docker = read_docker(reader.read_section("docker"));
  result.admin = read_admin(reader.read_section("admin"));
  result.auth = read_auth(reader.read_section("auth"));
  result.process = read_process(reader.read_section("process"));
  result.engine = read_engine(reader.read_section("engine"));
  result.sandbox = read_sandbox_config(reader.read_section("sandbox"));
  check_sandbox_needs(result);
  if (!result.admin.token_env.empty()) {
    const auto& inherit = result.process.inherit_env;
    for (std::size_t i = 0; i < inherit.size(); ++i) {
      if (env_name_matches(inherit[i], result.admin.token_env)) {
        fail("process.inherit_env[" + std::to_string(i) + "]",
             quoted(inherit[i]) + " would pass the admin token's variable "
               + quoted(result.admin.token_env) + " (admin.token_env) to every model process");
      }
    }
  }
  if (const auto models = reader.find("models")) {
    result.models = models_under != nullptr
                      ? read_models(*models, models_under->runtime, models_under->docker)
                      : read_models(*models, result.runtime, result.docker);
  }
  reader.finish();
  if (result.models.empty()) {
    fail("models", "at least one model is required");
  }
  return result;
}

model_config parse_model_config(const std::string& text, const std::string& runtime,
                                const docker_config& docker, int max_depth) {
  YAML::Node root = load_yaml(text, max_depth, [max_depth](yaml_position at) {
    return "body: nested deeper than server.max_json_depth (" + std::to_string(max_depth)
           + " levels) at line " + std::to_string(at.line) + ", column "
           + std::to_string(at.column);
  });
  if (!root.IsMap()) {
    fail("body", "expected an object with the model's name and settings, got " + describe(root));
  }
  const YAML::Node name = root["name"];
  if (!name || !name.IsScalar()) {
    fail("name", "required: the model's name");
  }
  yaml_entry entry;
  entry.key = name.as<std::string>();
  root.remove("name");
  entry.value = root;
  return read_model(entry, runtime, docker, "");
}

bool env_name_matches(std::string_view pattern, std::string_view name) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return name.starts_with(pattern);
  }
  return name == pattern;
}

config load_config(const std::string& path, const model_context* models_under) {
  return parse_config(read_text_file(path, path, "cannot read config file"), models_under);
}

} // namespace janus
