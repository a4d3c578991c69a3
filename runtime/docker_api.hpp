#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"
#include "runtime/runtime.hpp"

/// The pure part of the Docker backend: bodies the engine sends to the Docker Engine API (1.41)
/// and what it reads from its answers. No I/O, so every function has a unit test. Answers are
/// read with RapidJSON's iterative parser, nested at most max_answer_depth levels: a malformed
/// answer is an error value (or nullopt), never a crash or an exception.
namespace janus::docker {

/// The API version every path is prefixed with (Docker 20.10, Debian 12's docker.io).
constexpr std::string_view api_version = "1.41";

/// The port a Janus container serves on, inside the container (the container contract).
constexpr std::uint16_t container_port = 8080;

/// How deep the engine's answers may nest objects and arrays; its deepest (container inspect)
/// nests 5 levels, so an answer past this is not the engine's and is refused as malformed.
constexpr int max_answer_depth = 64;

/// The labels every container of the engine carries.
constexpr std::string_view engine_label = "janus.engine";
constexpr std::string_view model_label = "janus.model";
constexpr std::string_view generation_label = "janus.generation";

/// Where janus-init (apps/janus-init) is mounted, read-only, in an isolated container: the
/// container's first program after Docker's init.
constexpr std::string_view init_target = "/.janus/init";

/// What every container of the runtime is created with besides its spec.
struct create_options {
  /// Isolated containers: the platform endpoint's port on the container's own 127.0.0.1.
  std::uint16_t platform_port = 9000;
  /// Isolated containers: janus-init on the host, and how long it waits for the platform
  /// endpoint before it gives up.
  std::string init_path;
  std::chrono::milliseconds init_wait{35000};
  /// Every container's log (json-file driver): one file's size, and how many are kept.
  std::size_t log_max_size = std::size_t{10} << 20;
  int log_max_files = 3;
};

/// How one isolated container's program starts: what janus-init runs once the platform endpoint
/// accepts, and the variables that point the container at its endpoint (they win over the
/// spec's).
struct launch {
  std::vector<std::string> program;
  std::map<std::string, std::string> env;
};

/// The environment of a container of `spec`, as `NAME=value` sorted by name: the spec's
/// variables, then `extra`'s, then `PORT=8080` and `HOST=0.0.0.0`, which win.
std::vector<std::string> container_env(const container_spec& spec,
                                       const std::map<std::string, std::string>& extra = {});

/// The configuration generation of `spec`: a hash (16 hex digits) of everything a container of
/// it runs with (image, command, environment, network and platform port, OCI runtime, limits,
/// hardening and log caps), its labels excepted. Two specs with the same generation start the same
/// container; what differs from one container to the next (platform variables) or follows the
/// image (its entrypoint) is not part of it.
std::string generation_of(const container_spec& spec, const create_options& options = {});

/// The body of `POST /containers/create` for `spec`: its image, its environment (see
/// container_env), its labels plus the generation label, its network, the limits (memory
/// without extra swap, CPU quota, pids) and the hardening (read-only root with a tmpfs on /tmp,
/// every capability dropped, no-new-privileges, an init process, no restart), the spec's OCI
/// runtime when it names one, and a capped json-file log. Bridged: the
/// spec's command as Cmd, port 8080/tcp published on 127.0.0.1 at a host port the daemon picks.
/// Isolated: NetworkMode none, nothing exposed or published, janus-init mounted read-only as the
/// entrypoint, running `how.program` once the platform endpoint accepts, and `how.env` on top.
std::string create_body(const container_spec& spec, const create_options& options = {},
                        const launch& how = {});

/// A container name Docker accepts: `<engine_id>-<model>-<token>-<seq>`, where every character
/// of the model name outside [A-Za-z0-9_.-] becomes '-'.
std::string container_name(std::string_view engine_id, std::string_view model,
                           std::string_view token, std::uint64_t seq);

/// `text` percent-encoded for a URL query value (everything but unreserved characters).
std::string url_encode(std::string_view text);

/// The path (without the version prefix) listing every container, running or not, that carries
/// `janus.engine=<engine_id>`.
std::string list_path(std::string_view engine_id);

/// The path of the events stream of this engine's containers (create, die and oom only) since
/// `since_nanos` (a Unix time in nanoseconds; 0 = from now).
std::string events_path(std::string_view engine_id, std::int64_t since_nanos);

/// The first 12 hex digits of a container id, as `docker ps` shows it.
std::string short_id(std::string_view id);

/// What the engine needs to know of one container, from inspect or from the list.
struct container_state {
  /// The full id.
  std::string id;
  std::string name;
  /// The id of the image it runs (`sha256:...`).
  std::string image_id;
  std::map<std::string, std::string> labels;
  /// Docker's state: created, running, paused, restarting, removing, exited or dead.
  std::string status;
  bool running = false;
  int exit_code = 0;
  bool oom_killed = false;
  /// The image's HEALTHCHECK state: "" (none), "starting", "healthy" or "unhealthy".
  std::string health;
  /// The host port that 127.0.0.1 publishes 8080/tcp on, once the daemon has bound it.
  std::optional<std::uint16_t> host_port;
  /// `HostConfig.NetworkMode`: "none" for an isolated container, "default" or "bridge" else.
  std::string network_mode;
  /// The host's id of the container's first process (its init), while it runs (inspect only).
  std::optional<int> pid;
  /// The container's environment, `Config.Env` (inspect only).
  std::map<std::string, std::string> env;
};

/// Reads the answer of `GET /containers/{id}/json`.
result<container_state> parse_inspect(std::string_view json);

/// Reads the answer of `GET /containers/json` (see list_path).
result<std::vector<container_state>> parse_list(std::string_view json);

/// The container id in the answer of `POST /containers/create`.
result<std::string> parse_created(std::string_view json);

/// The image id in the answer of `GET /images/{name}/json`.
result<std::string> parse_image_id(std::string_view json);

/// The names of the OCI runtimes the engine knows (`Runtimes` of `GET /info`), sorted.
result<std::vector<std::string>> parse_runtimes(std::string_view info_json);

/// What janusd runs an image by, from `GET /images/{name}/json`.
struct image_config {
  /// `sha256:...`
  std::string id;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
};

/// Reads the answer of `GET /images/{name}/json`.
result<image_config> parse_image_config(std::string_view json);

/// What an isolated container of `spec` runs once janus-init lets it: the image's entrypoint,
/// then the model's command or else the image's cmd (as Docker itself combines them). An error
/// when that is nothing.
result<std::vector<std::string>> program_of(const container_spec& spec, const image_config& image);

/// One event of the events stream about a container.
struct container_event {
  /// "create", "die", "oom", ...
  std::string action;
  /// The full container id.
  std::string id;
  /// The container's name (the `name` attribute).
  std::string name;
  /// The `exitCode` attribute of a die event.
  std::optional<int> exit_code;
  /// When it happened, Unix time in nanoseconds.
  std::int64_t time_nanos = 0;
};

/// Reads one line of the events stream; nullopt for a line that is not a container event.
std::optional<container_event> parse_event(std::string_view line);

/// `text` from the engine (or a registry through it) as valid UTF-8 (a bad byte becomes
/// U+FFFD), cut to 512 bytes at a character boundary (and "..."): it reaches logs and error
/// bodies.
std::string clean_message(std::string_view text);

/// The daemon's own words for a failed call: the `message` field of its JSON error body, else
/// the body's text, else "HTTP <status>"; valid UTF-8, at most 512 bytes (and "...").
std::string error_message(unsigned status, std::string_view body);

/// How a container ended, in words: "exited with status 0", "exited with status 137 (OOM
/// killed)", "exited with status 143 (killed by SIGTERM)".
std::string exit_description(int exit_code, bool oom_killed);

} // namespace janus::docker
