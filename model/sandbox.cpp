#include "model/sandbox.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>

#include "model/bounded_json.hpp"
#include "model/utf8.hpp"

namespace janus {

namespace {

/// The longest container lifetime a run may ask for: 10 years, as the configuration's durations.
constexpr double max_run_seconds = 87600.0 * 3600.0;

/// The longest variable name and value of a run's env.
constexpr std::size_t max_env_name = 128;
constexpr std::size_t max_env_value = 32 * 1024;

/// The longest image reference.
constexpr std::size_t max_image = 512;

constexpr std::string_view platform_variables[] = {
  "JANUS_PLATFORM_URL", "JANUS_LLM_API_KEY", "JANUS_MEMORY_URL",
  "JANUS_SEARCH_URL",   "JANUS_LOG_LEVEL",   "JANUS_TIMEOUT",
};

error_info invalid(std::string_view field, const std::string& message) {
  return error_info{errc::invalid_request, std::string{field} + ": " + message};
}

/// A member name fit to echo: valid UTF-8 and not all of a huge one.
std::string echoed(const rapidjson::Value& name) {
  return to_valid_utf8(utf8_prefix({name.GetString(), name.GetStringLength()}, 64));
}

std::string text_of(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

/// The body as an object, or the refusal naming `body`; an empty body is `{}` when
/// `empty_is_object`.
result<bool> parse_object(rapidjson::Document& doc, std::string_view body, int max_depth,
                          bool empty_is_object, std::string_view example) {
  if (empty_is_object && std::all_of(body.begin(), body.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
      })) {
    doc.SetObject();
    return true;
  }
  const auto parsed = parse_bounded_json(doc, body, max_depth);
  if (parsed.refusal == json_refusal::too_deep) {
    return invalid("body", "nested deeper than server.max_json_depth ("
                             + std::to_string(max_depth) + " levels)");
  }
  if (!parsed.ok() || !doc.IsObject()) {
    return invalid("body", "expected a JSON object such as " + std::string{example});
  }
  return true;
}

/// A number of seconds > 0 and at most `max_seconds`, as milliseconds (at least 1).
result<std::chrono::milliseconds> seconds_of(const rapidjson::Value& value, std::string_view field,
                                             double max_seconds, std::string_view max_name) {
  if (!value.IsNumber()) {
    return invalid(field, "must be a number of seconds");
  }
  const double seconds = value.GetDouble();
  if (!std::isfinite(seconds) || seconds <= 0) {
    return invalid(field, "must be a number of seconds greater than 0");
  }
  if (seconds > max_seconds) {
    char text[64];
    std::snprintf(text, sizeof(text), "%.0f", max_seconds);
    return invalid(field, "must be at most " + std::string{text} + " seconds ("
                            + std::string{max_name} + ")");
  }
  return std::chrono::milliseconds{std::max<long long>(1, std::llround(seconds * 1000.0))};
}

/// Whether `image` is a plausible image reference: 1 to 512 visible ASCII characters, not
/// starting with `-` (never read as an option by any tool that is handed it).
std::optional<error_info> check_image(std::string_view image, std::string_view field) {
  if (image.empty()) {
    return invalid(field, "must not be empty");
  }
  if (image.size() > max_image) {
    return invalid(field, "longer than " + std::to_string(max_image) + " characters");
  }
  if (image.front() == '-'
      || std::any_of(image.begin(), image.end(), [](char c) {
           return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f;
         })) {
    return invalid(field, "must be an image reference such as janus-baseline:latest (visible "
                          "ASCII, no spaces, not starting with -)");
  }
  return std::nullopt;
}

bool is_env_name(std::string_view name) {
  if (name.empty() || name.size() > max_env_name || (name.front() >= '0' && name.front() <= '9')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

result<std::map<std::string, std::string>> env_of(const rapidjson::Value& value) {
  if (!value.IsObject()) {
    return invalid("env", "must be an object of variable names to string values");
  }
  if (value.MemberCount() > max_run_env) {
    return invalid("env", "more than " + std::to_string(max_run_env) + " variables");
  }
  std::map<std::string, std::string> env;
  for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
    const std::string name = text_of(it->name);
    if (!is_env_name(name)) {
      return invalid("env." + echoed(it->name), "not a valid variable name ([A-Za-z_][A-Za-z0-9_]*, "
                                                "at most 128 characters)");
    }
    if (!it->value.IsString()) {
      return invalid("env." + name, "must be a string");
    }
    const std::string text = text_of(it->value);
    if (text.size() > max_env_value) {
      return invalid("env." + name, "longer than " + std::to_string(max_env_value) + " bytes");
    }
    if (text.find('\0') != std::string::npos) {
      return invalid("env." + name, "must not contain a NUL character");
    }
    if (!env.emplace(name, text).second) {
      return invalid("env." + name, "given more than once");
    }
  }
  return env;
}

constexpr std::string_view collection_path = "/api/sandboxes";
constexpr std::string_view container_segment = "container";

error_info bad_id(std::string_view what) {
  return error_info{errc::invalid_request,
                    std::string{what} + ": expected 1 to 64 characters of [A-Za-z0-9_-]"};
}

/// The next `/`-separated segment of `rest`, which loses it and its slash.
std::string_view next_segment(std::string_view& rest) {
  auto slash = rest.find('/');
  auto segment = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  return segment;
}

} // namespace

bool is_sandbox_path(std::string_view path) {
  return path == collection_path
         || (path.starts_with(collection_path) && path[collection_path.size()] == '/');
}

result<sandbox_target> parse_sandbox_path(std::string_view path) {
  error_info unknown{errc::no_route, "no route for this path under /api/sandboxes (see "
                                     "docs/sandy.md)"};
  if (!is_sandbox_path(path)) {
    return unknown;
  }
  sandbox_target target;
  auto rest = path.substr(collection_path.size());
  if (rest.empty() || rest == "/") {
    return target;
  }
  rest.remove_prefix(1);
  bool more = rest.find('/') != std::string_view::npos;
  auto id = next_segment(rest);
  if (!is_valid_sandbox_id(id)) {
    return bad_id("sandbox id");
  }
  target.sandbox_id = std::string{id};
  if (!more) {
    target.what = sandbox_target::kind::sandbox;
    return target;
  }
  if (next_segment(rest) != container_segment || rest.empty()) {
    return unknown;
  }
  bool has_action = rest.find('/') != std::string_view::npos;
  auto container = next_segment(rest);
  if (!has_action) {
    if (container != "run") {
      return unknown;
    }
    target.what = sandbox_target::kind::run;
    return target;
  }
  if (rest != "chat") {
    return unknown;
  }
  if (!is_valid_sandbox_id(container)) {
    return bad_id("container id");
  }
  target.what = sandbox_target::kind::chat;
  target.container_id = std::string{container};
  return target;
}

std::string_view sandbox_methods(sandbox_target::kind what) {
  switch (what) {
    case sandbox_target::kind::collection:
    case sandbox_target::kind::run:
    case sandbox_target::kind::chat:
      return "POST";
    case sandbox_target::kind::sandbox:
      return "GET, HEAD, DELETE";
  }
  return "POST";
}

bool is_valid_sandbox_id(std::string_view id) {
  if (id.empty() || id.size() > max_sandbox_id) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
           || c == '-';
  });
}

result<sandbox_request> parse_sandbox_request(std::string_view body,
                                              std::chrono::milliseconds max_timeout,
                                              int max_depth) {
  rapidjson::Document doc;
  if (auto object = parse_object(doc, body, max_depth, true,
                                 R"({"image": "janus-runtime", "timeout": 3600})");
      !object) {
    return object.error();
  }
  sandbox_request out;
  bool seen_image = false;
  bool seen_timeout = false;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key = text_of(it->name);
    if (key == "image") {
      if (seen_image) {
        return invalid(key, "given more than once");
      }
      seen_image = true;
      if (!it->value.IsString()) {
        return invalid(key, "must be a string");
      }
      out.image = text_of(it->value);
      if (auto bad = check_image(out.image, key)) {
        return *bad;
      }
    } else if (key == "timeout") {
      if (seen_timeout) {
        return invalid(key, "given more than once");
      }
      seen_timeout = true;
      auto timeout = seconds_of(it->value, key, static_cast<double>(max_timeout.count()) / 1000.0,
                                "sandbox.max_timeout");
      if (!timeout) {
        return timeout.error();
      }
      out.timeout = timeout.value();
    } else {
      return invalid(echoed(it->name), "unknown field (expected image or timeout)");
    }
  }
  return out;
}

result<container_run_request> parse_container_run_request(std::string_view body, int max_depth) {
  rapidjson::Document doc;
  if (auto object = parse_object(doc, body, max_depth, false,
                                 R"({"image": "janus-baseline:latest", "env": {}})");
      !object) {
    return object.error();
  }
  container_run_request out;
  bool seen_image = false;
  bool seen_env = false;
  bool seen_timeout = false;
  auto once = [](bool& seen) {
    bool first = !seen;
    seen = true;
    return first;
  };
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key = text_of(it->name);
    if (key == "image") {
      if (!once(seen_image)) {
        return invalid(key, "given more than once");
      }
      if (!it->value.IsString()) {
        return invalid(key, "must be a string");
      }
      out.image = text_of(it->value);
      if (auto bad = check_image(out.image, key)) {
        return *bad;
      }
    } else if (key == "env") {
      if (!once(seen_env)) {
        return invalid(key, "given more than once");
      }
      auto env = env_of(it->value);
      if (!env) {
        return env.error();
      }
      out.env = std::move(env.value());
    } else if (key == "timeout") {
      if (!once(seen_timeout)) {
        return invalid(key, "given more than once");
      }
      if (it->value.IsNull()) {
        continue;
      }
      auto timeout = seconds_of(it->value, key, max_run_seconds, "10 years");
      if (!timeout) {
        return timeout.error();
      }
      out.timeout = timeout.value();
    } else if (key == "llm_api_key" || key == "memory_url" || key == "search_url") {
      // Sandy's request carries them; janusd's platform endpoint provides its own.
      if (!it->value.IsString() && !it->value.IsNull()) {
        return invalid(key, "must be a string");
      }
    } else {
      return invalid(echoed(it->name), "unknown field (expected image, env or timeout)");
    }
  }
  if (!seen_image) {
    return invalid("image", "required: the image to run, e.g. janus-baseline:latest");
  }
  return out;
}

bool is_platform_variable(std::string_view name) {
  return std::find(std::begin(platform_variables), std::end(platform_variables), name)
         != std::end(platform_variables);
}

std::string sandbox_model_name(std::string_view sandbox_id, std::string_view container_id) {
  std::string name{sandbox_model_prefix};
  name.append(sandbox_id).append("-").append(container_id);
  return name;
}

sandbox_model make_sandbox_model(const container_run_request& run, std::string_view sandbox_id,
                                 std::string_view container_id, std::chrono::milliseconds lifetime,
                                 const admin_limits& limits) {
  sandbox_model out;
  auto& model = out.model;
  model.name = sandbox_model_name(sandbox_id, container_id);
  model.image = run.image;
  for (const auto& [name, value] : run.env) {
    if (is_platform_variable(name)) {
      out.ignored_env.push_back(name);
    } else {
      model.env.emplace(name, value);
    }
  }
  model.min_warm = 1;
  model.max_containers = 1;
  model.max_concurrency = std::min(model.max_concurrency, limits.max_concurrency);
  model.idle_ttl = std::max(lifetime, std::chrono::milliseconds{1});
  model.network = network_mode::isolated;
  // Demand-following pre-warm, the paused tier and prepared containers do not apply to a pool
  // of one that starts once.
  model.prewarm_window = std::chrono::milliseconds::zero();
  model.max_paused = 0;
  model.prepare_ahead = 0;
  auto& r = model.resources;
  r.memory = std::min(r.memory, limits.max_memory);
  r.cpus = std::min(r.cpus, limits.max_cpus);
  r.pids_limit = std::min(r.pids_limit, limits.max_pids_limit);
  r.tmpfs_size = std::min(r.tmpfs_size, limits.max_tmpfs_size);
  r.read_only = true;
  return out;
}

} // namespace janus
