#include "model/platform_config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "model/config.hpp"
#include "model/platform.hpp"
#include "model/platform_config_reader.hpp"

namespace janus {

namespace {

constexpr std::size_t max_secret_file = 64 * 1024;

[[noreturn]] void fail(const std::string& key, const std::string& message) {
  throw config_error(key + ": " + message);
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return text;
}

/// Headers janusd sets itself or that frame the message: never injected.
bool is_reserved_header(const std::string& name) {
  static const char* reserved[] = {"host", "content-length", "transfer-encoding", "connection",
                                   "keep-alive", "te", "trailer", "upgrade", "proxy-authorization",
                                   "x-request-id", "expect"};
  auto l = lower(name);
  return std::any_of(std::begin(reserved), std::end(reserved),
                     [&l](const char* r) { return l == r; });
}

/// A secret file's content without its trailing line end.
std::string read_secret_file(const std::string& path, const std::string& key) {
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    fail(key, "cannot read the file " + quoted(path));
  }
  std::string text;
  text.resize(max_secret_file + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_secret_file) {
    fail(key, "the file " + quoted(path) + " is larger than 64 KiB");
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.pop_back();
  }
  if (text.empty()) {
    fail(key, "the file " + quoted(path) + " is empty");
  }
  return text;
}

} // namespace

injected_header read_injected_header(const yaml_entry& entry, const std::string& path) {
  const std::string key = join_path(path, entry.key);
  if (entry.key.empty() || !std::all_of(entry.key.begin(), entry.key.end(), is_token_char)) {
    fail(key, "not a valid header name");
  }
  if (is_reserved_header(entry.key)) {
    fail(key, "janusd sets this header itself: it cannot be injected");
  }
  injected_header out;
  out.name = entry.key;
  if (entry.value.IsScalar()) {
    out.value = entry.value.Scalar();
    out.source = "value";
  } else {
    yaml_reader reader{entry.value, key};
    auto env = reader.read_string("env", "");
    auto file = reader.read_string("file", "");
    auto value = reader.read_string("value", "");
    auto prefix = reader.read_string("prefix", "");
    reader.finish();
    int given = (env.empty() ? 0 : 1) + (file.empty() ? 0 : 1) + (value.empty() ? 0 : 1);
    if (given != 1) {
      fail(key, "set exactly one of env, file or value");
    }
    if (!env.empty()) {
      const char* found = std::getenv(env.c_str());
      if (found == nullptr || *found == '\0') {
        fail(reader.key_path("env"),
             "the environment variable " + quoted(env) + " is not set or empty");
      }
      out.value = prefix + found;
      out.source = "env " + env;
    } else if (!file.empty()) {
      out.value = prefix + read_secret_file(file, reader.key_path("file"));
      out.source = "file " + file;
    } else {
      out.value = prefix + value;
      out.source = "value";
    }
  }
  if (out.value.find_first_of("\r\n", 0) != std::string::npos
      || std::any_of(out.value.begin(), out.value.end(),
                     [](char c) { return c == '\0'; })) {
    fail(key, "the value has a line break or NUL");
  }
  return out;
}

namespace {

void read_route(platform_route& route, yaml_reader reader) {
  route.upstream = reader.read_string("upstream", route.upstream);
  if (!route.upstream.empty()) {
    auto parsed = parse_upstream_url(route.upstream);
    if (!parsed) {
      fail(reader.key_path("upstream"), parsed.error().message);
    }
  }
  if (auto headers = reader.find("headers")) {
    route.headers.clear();
    auto path = reader.key_path("headers");
    for (const auto& entry : mapping_entries(*headers, path)) {
      route.headers.push_back(read_injected_header(entry, path));
    }
  }
  route.ca_file = reader.read_string("ca_file", route.ca_file);
  if (!route.ca_file.empty()) {
    std::ifstream probe{route.ca_file};
    if (!probe) {
      fail(reader.key_path("ca_file"), "cannot read the file " + quoted(route.ca_file));
    }
  }
  route.timeout = reader.read_positive_duration("timeout", route.timeout);
  route.max_body_bytes = reader.read_size("max_body_bytes", route.max_body_bytes, 0,
                                          std::size_t{1} << 30);
  route.max_concurrency = reader.read_int("max_concurrency", route.max_concurrency, 1, 100000);
  route.rate = reader.read_double("rate", route.rate, 0, 1e6);
  route.burst = reader.read_double("burst", route.burst, 1, 1e6);
  reader.finish();
}

std::vector<platform_route> read_routes(const YAML::Node& node, const std::string& path) {
  auto routes = default_platform_routes();
  for (const auto& entry : mapping_entries(node, path)) {
    const std::string key = join_path(path, entry.key);
    if (!is_clean_path(entry.key) || entry.key.find('?') != std::string::npos
        || entry.key.find('%') != std::string::npos) {
      fail(key, "a route is a path prefix such as /v1/embeddings");
    }
    auto existing = std::find_if(routes.begin(), routes.end(),
                                 [&entry](const platform_route& r) { return r.prefix == entry.key; });
    if (existing == routes.end()) {
      platform_route added;
      added.prefix = entry.key;
      existing = routes.insert(routes.end(), std::move(added));
    }
    if (entry.value.IsNull()) {
      continue;
    }
    read_route(*existing, yaml_reader{entry.value, key});
  }
  return routes;
}

egress_config read_egress(yaml_reader reader) {
  egress_config result;
  if (auto allow = reader.find("allow")) {
    const std::string key = reader.key_path("allow");
    if (!allow->IsSequence()) {
      fail(key, "expected a list of host:port patterns, got " + describe(*allow));
    }
    for (std::size_t i = 0; i < allow->size(); ++i) {
      auto item_key = key + "[" + std::to_string(i) + "]";
      auto text = scalar_text((*allow)[i], item_key, "a host:port pattern");
      auto parsed = parse_egress_pattern(text);
      if (!parsed) {
        fail(item_key, parsed.error().message);
      }
      result.allow.push_back(text);
    }
  }
  result.connect_timeout = reader.read_positive_duration("connect_timeout", result.connect_timeout);
  result.idle_timeout = reader.read_positive_duration("idle_timeout", result.idle_timeout);
  result.total_timeout = reader.read_positive_duration("total_timeout", result.total_timeout);
  reader.finish();
  return result;
}

/// Keys of earlier versions that handed values to containers, with what replaces them.
void refuse_retired_keys(yaml_reader& reader) {
  struct retired {
    std::string_view key;
    std::string_view instead;
  };
  static constexpr retired keys[] = {
    {"llm_api_key",
     "the real key never reaches a container any more: inject it on the LLM route, e.g. "
     "routes: {/v1/chat/completions: {upstream: ..., headers: {Authorization: {env: "
     "LLM_API_KEY, prefix: \"Bearer \"}}}}"},
    {"platform_url",
     "containers get their own platform endpoint; set the upstreams under platform.routes"},
    {"memory_url", "set the upstreams of /memory/query and /memory/store under platform.routes"},
    {"search_url", "set the upstreams of /search and /research under platform.routes"},
  };
  for (const auto& entry : keys) {
    if (reader.find(entry.key)) {
      fail(reader.key_path(entry.key), "no longer supported: " + std::string{entry.instead});
    }
  }
}

} // namespace

std::vector<platform_route> default_platform_routes() {
  std::vector<platform_route> routes;
  for (const char* prefix : {"/v1/chat/completions", "/v1/embeddings", "/search", "/research",
                             "/memory/query", "/memory/store", "/images/generate",
                             "/audio/speech"}) {
    platform_route route;
    route.prefix = prefix;
    routes.push_back(std::move(route));
  }
  return routes;
}

platform_config read_platform_config(yaml_reader reader) {
  platform_config result;
  refuse_retired_keys(reader);
  result.log_level = reader.read_string("log_level", result.log_level);
  result.timeout = reader.read_positive_duration("timeout", result.timeout);
  result.threads = reader.read_int("threads", result.threads, 1, 64);
  result.port = static_cast<std::uint16_t>(reader.read_int("port", result.port, 1, 65535));
  if (result.port == 8080) {
    fail(reader.key_path("port"), "must not be 8080, the model's own port in its container");
  }
  result.max_header_bytes = reader.read_size("max_header_bytes", result.max_header_bytes, 1024,
                                             std::size_t{1} << 20);
  result.read_timeout = reader.read_positive_duration("read_timeout", result.read_timeout);
  result.idle_timeout = reader.read_positive_duration("idle_timeout", result.idle_timeout);
  result.max_connections = reader.read_int("max_connections", result.max_connections, 1, 100000);
  if (auto routes = reader.find("routes")) {
    result.routes = read_routes(*routes, reader.key_path("routes"));
  } else {
    result.routes = default_platform_routes();
  }
  result.egress = read_egress(reader.read_section("egress"));
  reader.finish();
  return result;
}

} // namespace janus
