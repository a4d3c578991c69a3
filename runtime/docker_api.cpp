#include "runtime/docker_api.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string.h> // sigabbrev_np

#include "model/bounded_json.hpp"
#include "model/utf8.hpp"

namespace janus::docker {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(writer& out, std::string_view text) {
  out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_key(writer& out, std::string_view key) {
  out.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void write_strings(writer& out, const std::vector<std::string>& items) {
  out.StartArray();
  for (const auto& item : items) {
    write_string(out, item);
  }
  out.EndArray();
}

std::string port_key() {
  return std::to_string(container_port) + "/tcp";
}

/// The create body; `labels` null renders what the generation hashes instead: no labels, and
/// for an isolated container its spec's command and the platform port rather than what
/// janus-init runs and the platform variables (those differ from container to container, or
/// follow the image), nor where janus-init lies on the host.
std::string render_create(const container_spec& spec, const create_options& options,
                          const launch& how, const std::map<std::string, std::string>* labels) {
  rapidjson::StringBuffer buffer;
  writer out{buffer};
  const auto& limits = spec.resources;
  bool bridge = spec.network == network_mode::bridge;
  bool for_generation = labels == nullptr;
  out.StartObject();
  write_key(out, "Image");
  write_string(out, spec.image);
  if (bridge || for_generation) {
    if (!spec.command.empty()) {
      write_key(out, "Cmd");
      write_strings(out, spec.command);
    }
  } else {
    write_key(out, "Entrypoint");
    write_strings(out, {std::string{init_target}});
    std::vector<std::string> args{std::to_string(options.platform_port),
                                  std::to_string(options.init_wait.count()), "--"};
    args.insert(args.end(), how.program.begin(), how.program.end());
    write_key(out, "Cmd");
    write_strings(out, args);
  }
  if (!bridge && for_generation) {
    write_key(out, "PlatformPort");
    out.Int(options.platform_port);
  }
  write_key(out, "Env");
  write_strings(out, container_env(spec, for_generation ? std::map<std::string, std::string>{}
                                                        : how.env));
  if (labels != nullptr) {
    write_key(out, "Labels");
    out.StartObject();
    for (const auto& [key, value] : *labels) {
      write_key(out, key);
      write_string(out, value);
    }
    out.EndObject();
  }
  if (bridge) {
    write_key(out, "ExposedPorts");
    out.StartObject();
    write_key(out, port_key());
    out.StartObject();
    out.EndObject();
    out.EndObject();
  }

  write_key(out, "HostConfig");
  out.StartObject();
  if (bridge) {
    write_key(out, "PortBindings");
    out.StartObject();
    write_key(out, port_key());
    out.StartArray();
    out.StartObject();
    write_key(out, "HostIp");
    write_string(out, "127.0.0.1");
    write_key(out, "HostPort");
    write_string(out, "");
    out.EndObject();
    out.EndArray();
    out.EndObject();
  } else {
    write_key(out, "NetworkMode");
    write_string(out, "none");
    if (!for_generation) {
      write_key(out, "Mounts");
      out.StartArray();
      out.StartObject();
      write_key(out, "Type");
      write_string(out, "bind");
      write_key(out, "Source");
      write_string(out, options.init_path);
      write_key(out, "Target");
      write_string(out, init_target);
      write_key(out, "ReadOnly");
      out.Bool(true);
      out.EndObject();
      out.EndArray();
    }
  }
  write_key(out, "Memory");
  out.Int64(static_cast<std::int64_t>(limits.memory));
  write_key(out, "MemorySwap");
  out.Int64(static_cast<std::int64_t>(limits.memory));
  write_key(out, "NanoCpus");
  out.Int64(std::llround(limits.cpus * 1e9));
  write_key(out, "PidsLimit");
  out.Int64(limits.pids_limit);
  write_key(out, "ReadonlyRootfs");
  out.Bool(limits.read_only);
  write_key(out, "Tmpfs");
  out.StartObject();
  write_key(out, "/tmp");
  write_string(out, "rw,nosuid,nodev,size=" + std::to_string(limits.tmpfs_size));
  out.EndObject();
  write_key(out, "CapDrop");
  write_strings(out, {"ALL"});
  write_key(out, "SecurityOpt");
  write_strings(out, {"no-new-privileges"});
  write_key(out, "Init");
  out.Bool(true);
  if (!spec.runtime_class.empty()) {
    write_key(out, "Runtime");
    write_string(out, spec.runtime_class);
  }
  write_key(out, "LogConfig");
  out.StartObject();
  write_key(out, "Type");
  write_string(out, "json-file");
  write_key(out, "Config");
  out.StartObject();
  write_key(out, "max-size");
  write_string(out, std::to_string(options.log_max_size));
  write_key(out, "max-file");
  write_string(out, std::to_string(options.log_max_files));
  out.EndObject();
  out.EndObject();
  write_key(out, "RestartPolicy");
  out.StartObject();
  write_key(out, "Name");
  write_string(out, "no");
  out.EndObject();
  out.EndObject();
  out.EndObject();
  return std::string{buffer.GetString(), buffer.GetSize()};
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || c == '.' || c == '-';
}

std::string string_member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) {
    return {};
  }
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) {
    return {};
  }
  return std::string{it->value.GetString(), it->value.GetStringLength()};
}

const rapidjson::Value* object_member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) {
    return nullptr;
  }
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsObject()) {
    return nullptr;
  }
  return &it->value;
}

/// The strings of array member `name` (null or absent: none; non-strings are skipped).
std::vector<std::string> string_array(const rapidjson::Value& object, const char* name) {
  std::vector<std::string> out;
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsArray()) {
    return out;
  }
  for (const auto& item : it->value.GetArray()) {
    if (item.IsString()) {
      out.emplace_back(item.GetString(), item.GetStringLength());
    }
  }
  return out;
}

std::map<std::string, std::string> string_map(const rapidjson::Value* object) {
  std::map<std::string, std::string> out;
  if (object == nullptr) {
    return out;
  }
  for (auto it = object->MemberBegin(); it != object->MemberEnd(); ++it) {
    if (it->value.IsString()) {
      out.emplace(std::string{it->name.GetString(), it->name.GetStringLength()},
                  std::string{it->value.GetString(), it->value.GetStringLength()});
    }
  }
  return out;
}

std::optional<std::uint16_t> to_port(std::int64_t number) {
  if (number <= 0 || number > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(number);
}

/// The host port of inspect's `NetworkSettings.Ports["8080/tcp"]`, bound on 127.0.0.1.
std::optional<std::uint16_t> inspect_port(const rapidjson::Value& ports) {
  auto it = ports.FindMember(port_key().c_str());
  if (it == ports.MemberEnd() || !it->value.IsArray()) {
    return std::nullopt;
  }
  for (const auto& binding : it->value.GetArray()) {
    if (string_member(binding, "HostIp") != "127.0.0.1") {
      continue;
    }
    auto text = string_member(binding, "HostPort");
    if (!text.empty() && text.size() <= 5
        && text.find_first_not_of("0123456789") == std::string::npos) {
      return to_port(std::stoll(text));
    }
  }
  return std::nullopt;
}

/// The host port of the list's `Ports` entry for 8080/tcp on 127.0.0.1.
std::optional<std::uint16_t> list_port(const rapidjson::Value& ports) {
  for (const auto& entry : ports.GetArray()) {
    if (!entry.IsObject() || string_member(entry, "IP") != "127.0.0.1"
        || string_member(entry, "Type") != "tcp") {
      continue;
    }
    auto private_port = entry.FindMember("PrivatePort");
    auto public_port = entry.FindMember("PublicPort");
    if (private_port == entry.MemberEnd() || public_port == entry.MemberEnd()
        || !private_port->value.IsInt64() || !public_port->value.IsInt64()
        || private_port->value.GetInt64() != container_port) {
      continue;
    }
    return to_port(public_port->value.GetInt64());
  }
  return std::nullopt;
}

/// The health in a list entry's `Status` text, e.g. "Up 3 minutes (healthy)".
std::string health_in_status(std::string_view status) {
  if (status.find("(unhealthy)") != std::string_view::npos) {
    return "unhealthy";
  }
  if (status.find("(healthy)") != std::string_view::npos) {
    return "healthy";
  }
  if (status.find("(health: starting)") != std::string_view::npos) {
    return "starting";
  }
  return {};
}

error_info bad_answer(std::string what) {
  return error_info{errc::internal, "unexpected answer from the Docker engine: " + what};
}

bool parse_json(rapidjson::Document& doc, std::string_view json) {
  return parse_bounded_json(doc, json, max_answer_depth).ok();
}

/// The longest message of the engine's that error_message passes on, in bytes.
constexpr std::size_t max_message = 512;

} // namespace

std::string clean_message(std::string_view text) {
  // A bad byte grows to three when cleaned: clean first, then cut. The first max_message + 1
  // bytes decide both what is kept and whether anything was cut.
  auto clean = to_valid_utf8(text.substr(0, max_message + 1));
  auto kept = utf8_prefix(clean, max_message);
  if (kept.size() == clean.size() && text.size() <= max_message) {
    return clean;
  }
  return std::string{kept} + "...";
}

std::vector<std::string> container_env(const container_spec& spec,
                                       const std::map<std::string, std::string>& extra) {
  auto merged = spec.env;
  for (const auto& [name, value] : extra) {
    merged[name] = value;
  }
  merged["PORT"] = std::to_string(container_port);
  merged["HOST"] = "0.0.0.0";
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [name, value] : merged) {
    out.push_back(name + "=" + value);
  }
  return out;
}

std::string generation_of(const container_spec& spec, const create_options& options) {
  char text[17];
  std::snprintf(
    text, sizeof(text), "%016llx",
    static_cast<unsigned long long>(fnv1a(render_create(spec, options, launch{}, nullptr))));
  return text;
}

std::string create_body(const container_spec& spec, const create_options& options,
                        const launch& how) {
  auto labels = spec.labels;
  labels[std::string{model_label}] = spec.model;
  labels[std::string{generation_label}] = generation_of(spec, options);
  return render_create(spec, options, how, &labels);
}

std::string container_name(std::string_view engine_id, std::string_view model,
                           std::string_view token, std::uint64_t seq) {
  std::string name{engine_id};
  name += '-';
  for (char c : model) {
    name += is_name_char(c) ? c : '-';
  }
  name += '-';
  name += token;
  name += '-';
  name += std::to_string(seq);
  return name;
}

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
        || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0x0f];
    }
  }
  return out;
}

std::string list_path(std::string_view engine_id) {
  rapidjson::StringBuffer buffer;
  writer out{buffer};
  out.StartObject();
  write_key(out, "label");
  write_strings(out, {std::string{engine_label} + "=" + std::string{engine_id}});
  out.EndObject();
  return "/containers/json?all=1&filters=" + url_encode({buffer.GetString(), buffer.GetSize()});
}

std::string events_path(std::string_view engine_id, std::int64_t since_nanos) {
  rapidjson::StringBuffer buffer;
  writer out{buffer};
  out.StartObject();
  write_key(out, "type");
  write_strings(out, {"container"});
  write_key(out, "event");
  write_strings(out, {"create", "die", "oom"});
  write_key(out, "label");
  write_strings(out, {std::string{engine_label} + "=" + std::string{engine_id}});
  out.EndObject();
  std::string path = "/events?";
  if (since_nanos > 0) {
    char since[48];
    std::snprintf(since, sizeof(since), "%lld.%09lld",
                  static_cast<long long>(since_nanos / 1000000000),
                  static_cast<long long>(since_nanos % 1000000000));
    path += "since=";
    path += since;
    path += "&";
  }
  return path + "filters=" + url_encode({buffer.GetString(), buffer.GetSize()});
}

std::string short_id(std::string_view id) {
  return std::string{id.substr(0, 12)};
}

result<container_state> parse_inspect(std::string_view json) {
  rapidjson::Document doc;
  if (!parse_json(doc, json) || !doc.IsObject()) {
    return bad_answer("container inspect is not a JSON object");
  }
  container_state out;
  out.id = string_member(doc, "Id");
  if (out.id.empty()) {
    return bad_answer("container inspect has no Id");
  }
  out.name = string_member(doc, "Name");
  if (!out.name.empty() && out.name.front() == '/') {
    out.name.erase(0, 1);
  }
  out.image_id = string_member(doc, "Image");
  if (const auto* config = object_member(doc, "Config")) {
    out.labels = string_map(object_member(*config, "Labels"));
    for (const auto& variable : string_array(*config, "Env")) {
      auto equals = variable.find('=');
      if (equals != std::string::npos && equals > 0) {
        out.env.emplace(variable.substr(0, equals), variable.substr(equals + 1));
      }
    }
  }
  if (const auto* state = object_member(doc, "State")) {
    out.status = string_member(*state, "Status");
    auto running = state->FindMember("Running");
    out.running = running != state->MemberEnd() && running->value.IsBool()
                  && running->value.GetBool();
    auto code = state->FindMember("ExitCode");
    if (code != state->MemberEnd() && code->value.IsInt()) {
      out.exit_code = code->value.GetInt();
    }
    auto oom = state->FindMember("OOMKilled");
    out.oom_killed = oom != state->MemberEnd() && oom->value.IsBool() && oom->value.GetBool();
    if (const auto* health = object_member(*state, "Health")) {
      out.health = string_member(*health, "Status");
    }
    auto pid = state->FindMember("Pid");
    if (pid != state->MemberEnd() && pid->value.IsInt64() && pid->value.GetInt64() > 0
        && pid->value.GetInt64() <= std::numeric_limits<int>::max()) {
      out.pid = static_cast<int>(pid->value.GetInt64());
    }
  }
  if (const auto* host = object_member(doc, "HostConfig")) {
    out.network_mode = string_member(*host, "NetworkMode");
  }
  if (const auto* network = object_member(doc, "NetworkSettings")) {
    if (const auto* ports = object_member(*network, "Ports")) {
      out.host_port = inspect_port(*ports);
    }
  }
  return out;
}

result<std::vector<container_state>> parse_list(std::string_view json) {
  rapidjson::Document doc;
  if (!parse_json(doc, json) || !doc.IsArray()) {
    return bad_answer("the container list is not a JSON array");
  }
  std::vector<container_state> out;
  for (const auto& entry : doc.GetArray()) {
    if (!entry.IsObject()) {
      continue;
    }
    container_state c;
    c.id = string_member(entry, "Id");
    if (c.id.empty()) {
      continue;
    }
    auto names = entry.FindMember("Names");
    if (names != entry.MemberEnd() && names->value.IsArray() && !names->value.Empty()
        && names->value[0].IsString()) {
      c.name = names->value[0].GetString();
      if (!c.name.empty() && c.name.front() == '/') {
        c.name.erase(0, 1);
      }
    }
    c.image_id = string_member(entry, "ImageID");
    c.labels = string_map(object_member(entry, "Labels"));
    c.status = string_member(entry, "State");
    c.running = c.status == "running";
    c.health = health_in_status(string_member(entry, "Status"));
    auto ports = entry.FindMember("Ports");
    if (ports != entry.MemberEnd() && ports->value.IsArray()) {
      c.host_port = list_port(ports->value);
    }
    if (const auto* host = object_member(entry, "HostConfig")) {
      c.network_mode = string_member(*host, "NetworkMode");
    }
    out.push_back(std::move(c));
  }
  return out;
}

result<std::string> parse_created(std::string_view json) {
  rapidjson::Document doc;
  if (!parse_json(doc, json) || !doc.IsObject()) {
    return bad_answer("container create is not a JSON object");
  }
  auto id = string_member(doc, "Id");
  if (id.empty()) {
    return bad_answer("container create has no Id");
  }
  return id;
}

result<std::string> parse_image_id(std::string_view json) {
  rapidjson::Document doc;
  if (!parse_json(doc, json) || !doc.IsObject()) {
    return bad_answer("image inspect is not a JSON object");
  }
  auto id = string_member(doc, "Id");
  if (id.empty()) {
    return bad_answer("image inspect has no Id");
  }
  return id;
}

result<std::vector<std::string>> parse_runtimes(std::string_view info_json) {
  rapidjson::Document doc;
  if (!parse_json(doc, info_json) || !doc.IsObject()) {
    return bad_answer("the engine's info is not a JSON object");
  }
  const auto* runtimes = object_member(doc, "Runtimes");
  if (runtimes == nullptr) {
    return bad_answer("the engine's info lists no Runtimes");
  }
  std::vector<std::string> out;
  for (auto it = runtimes->MemberBegin(); it != runtimes->MemberEnd(); ++it) {
    out.emplace_back(it->name.GetString(), it->name.GetStringLength());
  }
  std::sort(out.begin(), out.end());
  return out;
}

result<image_config> parse_image_config(std::string_view json) {
  rapidjson::Document doc;
  if (!parse_json(doc, json) || !doc.IsObject()) {
    return bad_answer("image inspect is not a JSON object");
  }
  image_config out;
  out.id = string_member(doc, "Id");
  if (out.id.empty()) {
    return bad_answer("image inspect has no Id");
  }
  if (const auto* config = object_member(doc, "Config")) {
    out.entrypoint = string_array(*config, "Entrypoint");
    out.cmd = string_array(*config, "Cmd");
    out.working_dir = string_member(*config, "WorkingDir");
  }
  return out;
}

result<std::vector<std::string>> program_of(const container_spec& spec,
                                            const image_config& image) {
  auto program = image.entrypoint;
  const auto& args = spec.command.empty() ? image.cmd : spec.command;
  program.insert(program.end(), args.begin(), args.end());
  if (program.empty() || program.front().empty()) {
    return error_info{errc::no_capacity, "image " + spec.image
                                           + " has neither an ENTRYPOINT nor a CMD, and the "
                                             "model has no command: nothing to run"};
  }
  return program;
}

std::optional<container_event> parse_event(std::string_view line) {
  rapidjson::Document doc;
  if (!parse_json(doc, line) || !doc.IsObject()) {
    return std::nullopt;
  }
  if (string_member(doc, "Type") != "container") {
    return std::nullopt;
  }
  container_event event;
  event.action = string_member(doc, "Action");
  const auto* actor = object_member(doc, "Actor");
  if (actor != nullptr) {
    event.id = string_member(*actor, "ID");
  }
  if (event.id.empty()) {
    event.id = string_member(doc, "id");
  }
  if (event.action.empty() || event.id.empty()) {
    return std::nullopt;
  }
  if (actor != nullptr) {
    if (const auto* attributes = object_member(*actor, "Attributes")) {
      event.name = string_member(*attributes, "name");
      auto code = string_member(*attributes, "exitCode");
      if (!code.empty() && code.size() <= 9
          && code.find_first_not_of("0123456789") == std::string::npos) {
        event.exit_code = std::stoi(code);
      }
    }
  }
  auto nanos = doc.FindMember("timeNano");
  if (nanos != doc.MemberEnd() && nanos->value.IsInt64()) {
    event.time_nanos = nanos->value.GetInt64();
  } else {
    constexpr std::int64_t nanos_per_second = 1000000000;
    constexpr std::int64_t max_seconds = std::numeric_limits<std::int64_t>::max() / nanos_per_second;
    auto seconds = doc.FindMember("time");
    if (seconds != doc.MemberEnd() && seconds->value.IsInt64()
        && seconds->value.GetInt64() >= -max_seconds && seconds->value.GetInt64() <= max_seconds) {
      event.time_nanos = seconds->value.GetInt64() * nanos_per_second;
    }
  }
  return event;
}

std::string error_message(unsigned status, std::string_view body) {
  rapidjson::Document doc;
  if (parse_json(doc, body) && doc.IsObject()) {
    auto message = string_member(doc, "message");
    if (!message.empty()) {
      return clean_message(message);
    }
  }
  auto first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos) {
    auto last = body.find_last_not_of(" \t\r\n");
    return clean_message(body.substr(first, last - first + 1));
  }
  return "HTTP " + std::to_string(status);
}

std::string exit_description(int exit_code, bool oom_killed) {
  std::string text = "exited with status " + std::to_string(exit_code);
  if (oom_killed) {
    return text + " (OOM killed)";
  }
  if (exit_code > 128 && exit_code < 128 + 65) {
    const char* abbrev = ::sigabbrev_np(exit_code - 128);
    if (abbrev != nullptr) {
      return text + " (killed by SIG" + abbrev + ")";
    }
  }
  return text;
}

} // namespace janus::docker
