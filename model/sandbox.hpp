#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.hpp"
#include "model/result.hpp"

/// Pure parsing and validation for the Sandy-compatible routes (`/api/sandboxes/*`,
/// docs/sandy.md): the request bodies, the ids in paths, and the model a container run becomes.
/// No I/O.
namespace janus {

/// `POST /api/sandboxes`: `{"image": "janus-runtime", "timeout": 3600}`, both optional.
struct sandbox_request {
  /// Recorded and shown, never run: a sandbox is janusd's bookkeeping, not a container.
  std::string image;
  /// Seconds until the sandbox ends by itself; nullopt = sandbox.default_timeout.
  std::optional<std::chrono::milliseconds> timeout;
};

/// `POST /api/sandboxes/{id}/container/run`: `{"image": ..., "env": {...}, "timeout": 600}`.
struct container_run_request {
  std::string image;
  std::map<std::string, std::string> env;
  /// Seconds the container may live; nullopt (or past the sandbox's end) = until the sandbox ends.
  std::optional<std::chrono::milliseconds> timeout;
};

/// The longest sandbox or container id in a path.
inline constexpr std::size_t max_sandbox_id = 64;

/// What the pool name of every sandbox container starts with.
inline constexpr std::string_view sandbox_model_prefix = "sandbox-";

/// Most `env` entries of a container run.
inline constexpr std::size_t max_run_env = 128;

/// Whether `id` is 1 to 64 characters of `[A-Za-z0-9_-]`: the ids janusd makes, and all it
/// looks up (so an id is safe to echo and to put in a model name).
bool is_valid_sandbox_id(std::string_view id);

/// Parses a create body; an empty body (or `{}`) takes every default. Refuses (invalid_request
/// naming the field) anything but an object of `image` (a string) and `timeout` (a number of
/// seconds > 0, at most `max_timeout`). Parsed without recursion, refused past `max_depth`.
result<sandbox_request> parse_sandbox_request(std::string_view body,
                                              std::chrono::milliseconds max_timeout,
                                              int max_depth);

/// Parses a run body: `image` (required, a string without spaces or control characters),
/// `env` (an object of at most 128 string values with valid variable names), `timeout` (seconds
/// > 0); Sandy's `llm_api_key`, `memory_url` and `search_url` are accepted and ignored (janusd's
/// platform endpoint provides them). Anything else is an invalid_request naming the field.
result<container_run_request> parse_container_run_request(std::string_view body, int max_depth);

/// Whether `name` is one of the container contract's platform variables (JANUS_PLATFORM_URL,
/// JANUS_LLM_API_KEY, JANUS_MEMORY_URL, JANUS_SEARCH_URL, JANUS_LOG_LEVEL, JANUS_TIMEOUT):
/// janusd sets them itself.
bool is_platform_variable(std::string_view name);

/// The pool a container run becomes, before admission.
struct sandbox_model {
  model_config model;
  /// The given variables janusd left out because it sets them itself (platform variables).
  std::vector<std::string> ignored_env;
};

/// The model of container `container_id` of sandbox `sandbox_id`: named
/// `sandbox-<sandbox id>-<container id>`, one container (min_warm 1, max_containers 1), isolated,
/// the model defaults' resources held to the admin ceilings, `idle_ttl` = `lifetime`, the given
/// env without the platform variables. Admission (check_admin_limits) is the caller's next step.
sandbox_model make_sandbox_model(const container_run_request& run, std::string_view sandbox_id,
                                 std::string_view container_id, std::chrono::milliseconds lifetime,
                                 const admin_limits& limits);

/// What a sandbox path names.
struct sandbox_target {
  enum class kind { collection, sandbox, run, chat };
  kind what = kind::collection;
  std::string sandbox_id;
  std::string container_id;
};

/// Whether `path` (no query) is under `/api/sandboxes`.
bool is_sandbox_path(std::string_view path);

/// The target of a sandbox path: no_route for a shape that is not one of the routes,
/// invalid_request for an id that is not 1 to 64 characters of `[A-Za-z0-9_-]` (never echoed).
result<sandbox_target> parse_sandbox_path(std::string_view path);

/// The methods a target allows, as `Allow` gives them.
std::string_view sandbox_methods(sandbox_target::kind what);

/// `sandbox-<sandbox id>-<container id>`.
std::string sandbox_model_name(std::string_view sandbox_id, std::string_view container_id);

} // namespace janus
