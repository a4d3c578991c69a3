#include "model/admin.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "model/bounded_json.hpp"
#include "model/hex.hpp"
#include "model/utf8.hpp"

namespace janus {

namespace {

/// The largest max_containers the configuration accepts.
constexpr int max_containers_limit = 10000;

error_info invalid(const std::string& field, const std::string& message) {
  return error_info{errc::invalid_request, field + ": " + message};
}

} // namespace

result<scale_request> parse_scale_request(std::string_view body, int max_depth) {
  rapidjson::Document doc;
  const auto parsed = parse_bounded_json(doc, body, max_depth);
  if (parsed.refusal == json_refusal::too_deep) {
    return invalid("body", "nested deeper than server.max_json_depth ("
                             + std::to_string(max_depth) + " levels)");
  }
  if (!parsed.ok() || !doc.IsObject()) {
    return invalid("body", "expected a JSON object such as {\"min_warm\": 1, \"max_containers\": 4}");
  }
  scale_request out;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key{it->name.GetString(), it->name.GetStringLength()};
    if (key != "min_warm" && key != "max_containers") {
      // The name is echoed: clean text, and not all of a huge one.
      return invalid(to_valid_utf8(utf8_prefix(key, 64)),
                     "unknown field (expected min_warm or max_containers)");
    }
    if (!it->value.IsInt()) {
      return invalid(key, "must be a whole number");
    }
    auto& field = key == "min_warm" ? out.min_warm : out.max_containers;
    if (field) {
      return invalid(key, "given more than once");
    }
    field = it->value.GetInt();
  }
  if (!out.min_warm && !out.max_containers) {
    return invalid("body", "give min_warm, max_containers or both");
  }
  return out;
}

result<pool_size> apply_scale(pool_size current, const scale_request& change) {
  pool_size next{change.min_warm.value_or(current.min_warm),
                 change.max_containers.value_or(current.max_containers)};
  if (next.max_containers < 1 || next.max_containers > max_containers_limit) {
    return invalid("max_containers", "must be between 1 and "
                                       + std::to_string(max_containers_limit) + ", got "
                                       + std::to_string(next.max_containers));
  }
  if (next.min_warm < 0 || next.min_warm > next.max_containers) {
    return invalid("min_warm", "must be between 0 and max_containers ("
                                 + std::to_string(next.max_containers) + "), got "
                                 + std::to_string(next.min_warm));
  }
  return next;
}

namespace {

error_info above(const std::string& field, const std::string& value, const std::string& limit_key,
                 const std::string& limit) {
  return invalid(field, value + " is above admin.limits." + limit_key + " (" + limit + ")");
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

} // namespace

std::string format_size(std::size_t bytes) {
  constexpr std::pair<std::size_t, const char*> units[] = {
    {std::size_t{1} << 30, "GiB"}, {std::size_t{1} << 20, "MiB"}, {std::size_t{1} << 10, "KiB"}};
  for (const auto& [size, name] : units) {
    if (bytes >= size && bytes % size == 0) {
      return std::to_string(bytes / size) + " " + name;
    }
  }
  return std::to_string(bytes) + " B";
}

std::optional<error_info> check_admin_limits(const model_config& model,
                                             const admin_limits& limits) {
  const auto& r = model.resources;
  if (r.memory > limits.max_memory) {
    return above("resources.memory", format_size(r.memory), "max_memory",
                 format_size(limits.max_memory));
  }
  if (r.cpus > limits.max_cpus) {
    return above("resources.cpus", format_number(r.cpus), "max_cpus",
                 format_number(limits.max_cpus));
  }
  if (r.pids_limit > limits.max_pids_limit) {
    return above("resources.pids_limit", std::to_string(r.pids_limit), "max_pids_limit",
                 std::to_string(limits.max_pids_limit));
  }
  if (limits.require_read_only && !r.read_only) {
    return invalid("resources.read_only",
                   "must be true: admin.limits.require_read_only is set");
  }
  if (r.tmpfs_size > limits.max_tmpfs_size) {
    return above("resources.tmpfs_size", format_size(r.tmpfs_size), "max_tmpfs_size",
                 format_size(limits.max_tmpfs_size));
  }
  if (model.max_containers > limits.max_containers) {
    return above("max_containers", std::to_string(model.max_containers), "max_containers",
                 std::to_string(limits.max_containers));
  }
  if (model.min_warm > limits.max_min_warm) {
    return above("min_warm", std::to_string(model.min_warm), "max_min_warm",
                 std::to_string(limits.max_min_warm));
  }
  if (model.max_concurrency > limits.max_concurrency) {
    return above("max_concurrency", std::to_string(model.max_concurrency), "max_concurrency",
                 std::to_string(limits.max_concurrency));
  }
  if (!model.command.empty() && !limits.allow_command) {
    return invalid("command", "not allowed for a model added through the admin API "
                              "(admin.limits.allow_command is false)");
  }
  if (model.fallback.enabled() && !limits.allow_fallback) {
    // A URL janusd sends requests to, with credentials from its own environment: an SSRF and
    // secret-leak primitive in the wrong hands, so off unless the operator allows it.
    return invalid(model.fallback.always ? "upstream" : "fallback",
                   "not allowed for a model added through the admin API "
                   "(admin.limits.allow_fallback is false)");
  }
  if (!model.image.empty() && !limits.allowed_images.empty()
      && std::none_of(limits.allowed_images.begin(), limits.allowed_images.end(),
                      [&](const std::string& prefix) { return model.image.starts_with(prefix); })) {
    std::string allowed;
    for (const auto& prefix : limits.allowed_images) {
      allowed += (allowed.empty() ? "" : ", ") + prefix;
    }
    return invalid("image", "`" + model.image + "` does not start with a prefix of "
                              "admin.limits.allowed_images (" + allowed + ")");
  }
  for (const auto& [name, value] : model.env) {
    for (const auto& pattern : limits.denied_env) {
      if (env_name_matches(pattern, name)) {
        return invalid("env." + name, "may not be set by a model added through the admin API "
                                      "(admin.limits.denied_env: " + pattern + ")");
      }
    }
  }
  return std::nullopt;
}

std::optional<error_info> check_scale_limits(const scale_request& change,
                                             const admin_limits& limits) {
  if (change.max_containers && *change.max_containers > limits.max_containers) {
    return above("max_containers", std::to_string(*change.max_containers), "max_containers",
                 std::to_string(limits.max_containers));
  }
  if (change.min_warm && *change.min_warm > limits.max_min_warm) {
    return above("min_warm", std::to_string(*change.min_warm), "max_min_warm",
                 std::to_string(limits.max_min_warm));
  }
  return std::nullopt;
}

bool bearer_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view scheme = "Bearer ";
  if (token.empty() || authorization.size() < scheme.size()) {
    return false;
  }
  // The scheme is case-insensitive (RFC 7235); the token is compared byte by byte in time that
  // depends on the token's length only.
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    char c = authorization[i];
    char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    char want = scheme[i];
    char want_lower = (want >= 'A' && want <= 'Z') ? static_cast<char>(want - 'A' + 'a') : want;
    if (lower != want_lower) {
      return false;
    }
  }
  auto given = authorization.substr(scheme.size());
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < token.size(); ++i) {
    unsigned char a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ static_cast<unsigned char>(token[i]));
  }
  return diff == 0;
}

std::optional<std::string> decode_path_segment(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '%') {
      out += segment[i];
      continue;
    }
    if (i + 2 >= segment.size()) {
      return std::nullopt;
    }
    auto high = hex_value(segment[i + 1]);
    auto low = hex_value(segment[i + 2]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  if (!is_valid_utf8(out)) {
    return std::nullopt;
  }
  return out;
}

} // namespace janus
