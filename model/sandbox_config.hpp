#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace janus {

class yaml_reader;

/// Who may call the Sandy-compatible routes (`/api/sandboxes/*`).
enum class sandbox_auth : std::uint8_t {
  /// The admin API's bearer token (`admin.token`).
  admin,
  /// A client API key, as on `/v1/*` (`auth.api_keys_file`, `auth.api_keys_env`).
  api_keys,
};

/// "admin" or "api_keys".
std::string_view to_string(sandbox_auth auth);

/// The Sandy-compatible routes (docs/sandy.md): off unless `enabled`. A sandbox is janusd's own
/// bookkeeping (an id and a deadline); each container run in it is a pool of one container,
/// removed with the sandbox or at its deadline. Nothing of it outlasts a restart.
struct sandbox_config {
  bool enabled = false;
  sandbox_auth auth = sandbox_auth::admin;
  /// A sandbox created without `timeout` ends this long after its creation.
  std::chrono::milliseconds default_timeout = std::chrono::hours(1);
  /// The longest `timeout` a sandbox may ask for; more is refused (400).
  std::chrono::milliseconds max_timeout = std::chrono::hours(24);
  /// Sandboxes that may exist at once; one more is refused (429).
  int max_sandboxes = 16;
  /// Containers one sandbox may run at once; one more is refused (429).
  int max_containers_per_sandbox = 4;
  /// The base of the `endpoint` URLs in answers (`https://gateway.example:8443`); empty = the
  /// request's Host (`http://HOST`), or server.host:port when it has none.
  std::string public_url;

  bool operator==(const sandbox_config&) const = default;
};

/// Reads the `sandbox` section. Throws config_error naming the key.
sandbox_config read_sandbox_config(yaml_reader reader);

} // namespace janus
