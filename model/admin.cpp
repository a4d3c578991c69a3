#include "model/admin.hpp"

#include <rapidjson/document.h>

#include <limits>

#include "model/bounded_json.hpp"
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
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
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
    auto high = hex(segment[i + 1]);
    auto low = hex(segment[i + 2]);
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
