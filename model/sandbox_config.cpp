#include "model/sandbox_config.hpp"

#include <algorithm>

#include "model/yaml_reader.hpp"

namespace janus {

namespace {

constexpr int max_sandboxes_limit = 10000;
constexpr int max_containers_limit = 64;

/// Whether `url` is `http://` or `https://` and a host, with no path, space or control byte.
bool is_base_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return false;
  }
  return !rest.empty() && rest.size() <= 255
         && std::none_of(rest.begin(), rest.end(), [](char c) {
              return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '/' || c == '?'
                     || c == '#';
            });
}

} // namespace

std::string_view to_string(sandbox_auth auth) {
  return auth == sandbox_auth::api_keys ? "api_keys" : "admin";
}

sandbox_config read_sandbox_config(yaml_reader reader) {
  sandbox_config result;
  result.enabled = reader.read_bool("enabled", result.enabled);
  const auto auth = reader.read_string("auth", std::string{to_string(result.auth)});
  if (auth == "admin") {
    result.auth = sandbox_auth::admin;
  } else if (auth == "api_keys") {
    result.auth = sandbox_auth::api_keys;
  } else {
    throw config_error(reader.key_path("auth") + ": expected \"admin\" or \"api_keys\", got "
                       + quoted(auth));
  }
  result.default_timeout = reader.read_positive_duration("default_timeout",
                                                         result.default_timeout);
  result.max_timeout = reader.read_positive_duration("max_timeout", result.max_timeout);
  result.max_sandboxes = reader.read_int("max_sandboxes", result.max_sandboxes, 1,
                                         max_sandboxes_limit);
  result.max_containers_per_sandbox = reader.read_int(
    "max_containers_per_sandbox", result.max_containers_per_sandbox, 1, max_containers_limit);
  result.public_url = reader.read_string("public_url", result.public_url);
  while (result.public_url.ends_with('/')) {
    result.public_url.pop_back();
  }
  if (!result.public_url.empty() && !is_base_url(result.public_url)) {
    throw config_error(reader.key_path("public_url")
                       + ": expected http:// or https:// and a host[:port] without a path, got "
                       + quoted(result.public_url));
  }
  if (result.default_timeout > result.max_timeout) {
    throw config_error(reader.key_path("default_timeout") + ": must be at most "
                       + reader.key_path("max_timeout") + " ("
                       + std::to_string(result.max_timeout.count() / 1000) + " s)");
  }
  reader.finish();
  return result;
}

} // namespace janus
