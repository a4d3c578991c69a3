#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/fallback_config.hpp"
#include "model/platform_config.hpp"
#include "model/api_keys.hpp"
#include "model/sandbox_config.hpp"

namespace janus {

/// All durations in the configuration use this type (milliseconds precision is plenty).
using duration = std::chrono::milliseconds;

/// A start-up misconfiguration: `what()` names the key, e.g.
/// `models.baseline.min_warm: must be <= max_containers (8), got 9`.
class config_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// How the engine probes a container's health.
struct health_config {
  std::string path = "/health";
  duration interval = std::chrono::seconds(5);
  duration timeout = std::chrono::seconds(2);
  /// Consecutive failed probes that make a ready container unhealthy.
  int threshold = 3;

  bool operator==(const health_config&) const = default;
};

/// Limits and hardening of one model's containers. Container backends (docker) apply them; the
/// process runtime ignores them.
struct resource_limits {
  /// Memory limit in bytes; no swap is allowed on top of it.
  std::size_t memory = std::size_t{512} << 20;
  /// CPU quota in cores (0.5 = half a core).
  double cpus = 1.0;
  /// Most processes and threads the container may run.
  int pids_limit = 256;
  /// A read-only root filesystem, with a writable tmpfs on /tmp.
  bool read_only = true;
  /// Size of the tmpfs on /tmp.
  std::size_t tmpfs_size = std::size_t{64} << 20;

  bool operator==(const resource_limits&) const = default;
};

/// How a Docker container is networked.
enum class network_mode : std::uint8_t {
  /// No network but its own loopback (NetworkMode none), nothing published: janusd makes its
  /// sockets inside the container's network namespace. For untrusted code.
  isolated,
  /// Docker's default bridge, port 8080 published on the host's 127.0.0.1: the container
  /// reaches the host, the internet and other containers. Unfit for untrusted code.
  bridge,
};

/// "isolated" or "bridge".
std::string_view to_string(network_mode mode);

/// When the Docker runtime pulls a model's image from its registry (`pull`).
enum class pull_policy : std::uint8_t {
  /// Before a start, when the Docker engine does not have the image.
  if_not_present,
  /// Before every start (one pull at a time per image; the registry says when nothing changed).
  always,
  /// Never: a missing image is a failed start naming it.
  never,
};

/// "if_not_present", "always" or "never".
std::string_view to_string(pull_policy policy);

/// Credentials of one registry, sent as the Engine API's X-Registry-Auth when an image of it is
/// pulled. The password is read from an environment variable or a file at load time, never
/// written to a log and never given to a container.
struct registry_credentials {
  /// The registry's host as image references name it: `127.0.0.1:5000`, `registry.example`,
  /// `docker.io` for Docker Hub.
  std::string server;
  std::string username;
  /// Where the password came from (`password_env` or `password_file`), for messages.
  std::string password_env;
  std::string password_file;
  /// The secret itself, read from one of those.
  std::string password;

  bool operator==(const registry_credentials&) const = default;
};

/// One model served by the engine, and the policy of its warm pool.
struct model_config {
  std::string name;
  /// Process backend: argv of the model's server; argv[0] without a '/' is looked up beside
  /// janusd's own executable first, then in PATH.
  std::vector<std::string> command;
  /// Docker backend: the image to run (required for docker models; the process runtime ignores
  /// it), `[registry[:port]/]path[:tag][@sha256:...]`; pulled as `pull` says.
  std::string image;
  /// Docker backend: when the image is pulled from its registry.
  pull_policy pull = pull_policy::if_not_present;
  /// Extra environment for the container, on top of the JANUS_* platform variables.
  std::map<std::string, std::string> env;
  int min_warm = 1;
  int max_containers = 4;
  /// Requests one container serves at once.
  int max_concurrency = 4;
  /// Idle ready containers above min_warm are stopped after this long without a request.
  duration idle_ttl = std::chrono::minutes(5);
  /// Recycle a container after this many requests; 0 = never.
  std::uint64_t max_requests = 0;
  /// Recycle a container after this age; 0 = never.
  duration max_age = duration::zero();
  /// A container not ready (health 200) within this time is a failed start.
  duration startup_timeout = std::chrono::seconds(30);
  /// Grace period between SIGTERM and SIGKILL when a container is stopped.
  duration stop_grace = std::chrono::seconds(10);
  /// Waiters queued at most when every slot is busy; more get 429.
  int queue_limit = 64;
  /// Longest time a request waits for a slot before it gets 429.
  duration queue_timeout = std::chrono::seconds(30);
  health_config health;
  /// Container limits and hardening (docker runtime).
  resource_limits resources;
  /// Time from the request written to a container to the first byte of its answer; 0 = the
  /// server's upstream_timeout.
  duration first_byte_timeout = duration::zero();
  /// Failures in a row that only the container can cause (it refused the connection) after
  /// which it is retired.
  int failure_threshold = 3;
  /// Docker runtime: the container's network; defaults to `docker.network`.
  network_mode network = network_mode::isolated;
  /// Docker runtime: the OCI runtime its containers run under (HostConfig.Runtime, e.g. runsc
  /// or kata); empty = the engine's default (runc).
  std::string runtime_class;
  /// Demand-following pre-warm: the pool keeps enough containers for the highest demand (requests
  /// in flight plus queued) seen within this window, plus `prewarm_headroom`; 0 = off (min_warm
  /// alone).
  duration prewarm_window = std::chrono::seconds(60);
  /// Capacity kept above that peak, as a fraction of it (0.25 = a quarter more).
  double prewarm_headroom = 0.25;
  /// The paused tier: idle containers beyond what the pool keeps ready are paused after this
  /// long without a request (instead of running until idle_ttl stops them), at most
  /// `max_paused` at once; 0 max_paused = off (docs/pool.md).
  duration pause_after = std::chrono::seconds(30);
  int max_paused = 0;
  /// Prepared containers: how many containers of the model the runtime keeps created but not
  /// started (docker create done ahead), so that a cold start pays the start and readiness only;
  /// 0 = off. A prepared container has no process and no memory, only its writable layer on disk,
  /// and does not count toward max_containers. Runtimes with nothing to prepare (process) ignore it
  /// (docs/pool.md).
  int prepare_ahead = 1;
  /// The model's direct deployment: where a request goes that the pool cannot serve for a reason
  /// in `fallback.when`, or every request of an upstream-only model (`upstream:`; then the model
  /// has no command or image, and max_containers and min_warm are 0).
  fallback_config fallback;

  bool operator==(const model_config&) const = default;
};

/// The HTTP facade's limits.
struct server_config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  /// I/O threads; 0 = one per core.
  int threads = 0;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  /// Time to read a whole request from the client.
  duration read_timeout = std::chrono::seconds(30);
  /// Time a keep-alive client connection may sit idle between requests.
  duration idle_timeout = std::chrono::seconds(60);
  /// Whole-request deadline: queueing, retries and the upstream answer to its last byte together.
  duration request_timeout = std::chrono::minutes(5);
  /// Time to connect to a container and to write the request; and from the request written to
  /// the answer's first byte for models without a first_byte_timeout.
  duration upstream_timeout = std::chrono::seconds(60);
  /// Longest silence from a container in the middle of an answer.
  duration stream_idle_timeout = std::chrono::seconds(60);
  /// Times a request may be sent again, only when it provably did not reach the model (the
  /// connect or the write of the request failed).
  int max_retries = 2;
  /// Idle keep-alive connections kept per container per I/O thread: no more are ever open than
  /// requests were in flight at once, so a cap below a container's concurrency only closes
  /// connections that the next burst opens again.
  int upstream_idle_connections = 256;
  /// On SIGTERM, how long streams in flight may take to finish.
  duration drain_timeout = std::chrono::seconds(30);
  /// Deepest nesting of objects and arrays accepted in a request body (chat and admin); the
  /// body's outermost value is depth 1.
  int max_json_depth = 128;
  /// Client connections open at once; past it a new one gets 503 and is closed. 0 = no cap.
  std::size_t max_connections = 10000;
  /// A streaming chat request that waits this long for a container (queue, cold start) gets its
  /// response head, then an SSE comment every as long until the container's first byte; 0 = off.
  duration sse_keepalive = std::chrono::seconds(5);
  /// How long a chat request runs before janusd starts watching its client's connection for a
  /// close (to close the upstream and free the slot at once); a request that waits in a pool is
  /// watched from then on. Most requests end sooner, so they pay nothing for it. 0 = from the
  /// start.
  duration client_watch_after = std::chrono::milliseconds(100);

  bool operator==(const server_config&) const = default;
};

/// How janusd writes its own log.
struct log_config {
  /// trace, debug, info, warn, error, off.
  std::string level = "info";
  /// json or text.
  std::string format = "text";
  // Container output in janusd's log (runtime/container_logs.hpp).
  /// Lines a second each container may write into janusd's log (0: no limit), and the burst.
  double container_lines_per_second = 100;
  double container_burst = 200;
  /// A longer container line is cut and marked `cut=true`.
  std::size_t container_max_line_bytes = 16 * 1024;
  /// Recent lines kept per container for `GET /admin/containers/{id}/logs`, in bytes.
  std::size_t container_ring_bytes = 256 * 1024;
  /// Containers that are gone whose recent lines are kept.
  int container_keep_gone = 16;
  /// The largest `tail` the admin logs route answers.
  int container_max_tail = 10000;

  bool operator==(const log_config&) const = default;
};

/// How janusd reaches the Docker engine and names what it owns there (runtime: docker).
struct docker_config {
  /// Path of the Docker Engine API's unix socket.
  std::string socket = "/var/run/docker.sock";
  /// This engine's stable identity: every container carries it as the `janus.engine` label, and a
  /// restarted engine adopts or removes what an earlier run with the same identity left.
  std::string engine_id = "janusd";
  /// Container starts (create, start, port lookup) under way at once.
  int max_parallel_starts = 4;
  /// Longest wait for one Engine API call (a stop waits stop_grace longer).
  duration call_timeout = std::chrono::seconds(30);
  /// Whether a model without `image` runs the image named like the model, and a request for a
  /// model that is not configured but is a valid image reference gets a pool of that image
  /// (image_pool_template, at most max_image_pools, removed when idle).
  bool model_as_image = false;
  /// The network of every model's containers unless the model sets its own.
  network_mode network = network_mode::isolated;
  /// Unconnected sockets kept ready inside each isolated container's network namespace, so
  /// that a new upstream connection rarely waits for the socket factory's thread.
  int spare_sockets = 4;
  /// The janus-init binary on the host, mounted read-only into isolated containers at
  /// /.janus/init; empty = janus-init beside janusd's executable.
  std::string init;
  /// Each container's log (json-file driver): the size of one file, and how many files are
  /// kept, so that no container fills the disk.
  std::size_t log_max_size = std::size_t{10} << 20;
  int log_max_files = 3;
  /// Longest time one image pull (`POST /images/create`, all its layers) may take.
  duration pull_timeout = std::chrono::minutes(5);
  /// Credentials of the registries images are pulled from; a registry not listed is pulled from
  /// without credentials.
  std::vector<registry_credentials> registries;
  /// With model_as_image: what a pool made for a request's model name that is a valid image
  /// reference but no configured model runs with (its name and image are that reference).
  model_config image_pool_template = default_image_pool_template();
  /// Pools made that way at most at once; a request past it gets 503.
  int max_image_pools = 8;

  /// A model entry's defaults, but min_warm 0: a pool made for a request keeps nothing warm.
  static model_config default_image_pool_template() {
    model_config out;
    out.min_warm = 0;
    return out;
  }

  bool operator==(const docker_config&) const = default;
};

/// How the process runtime runs its children (runtime: process).
struct process_config {
  /// The variables of janusd's own environment a child inherits, by name; a name ending in `*`
  /// is a prefix (`LC_*`). Nothing else of janusd's environment reaches a child, and never the
  /// admin token's variable.
  std::vector<std::string> inherit_env{"PATH", "HOME", "LANG", "LC_*", "TZ"};

  bool operator==(const process_config&) const = default;
};

/// How the engine looks after its actors.
struct engine_config {
  /// A pool actor that dies (a bug) is restarted from its configuration at once, at most this
  /// many times within `pool_restart_window`; a further restart waits until the window allows.
  int pool_restart_limit = 5;
  duration pool_restart_window = std::chrono::seconds(60);
  /// A configuration reload (SIGHUP) waits at most this long for an admin change in progress to
  /// finish, and for the router to take the new models; past it the reload is refused.
  duration reload_timeout = std::chrono::seconds(60);

  bool operator==(const engine_config&) const = default;
};

/// Ceilings on the models added through the admin API (`POST /admin/models`, and scaling them):
/// they cannot loosen hardening past what the operator allows. Models of the configuration file
/// are not bound by them.
struct admin_limits {
  std::size_t max_memory = std::size_t{1} << 30;
  double max_cpus = 1.0;
  int max_pids_limit = 256;
  /// Whether an added model must keep a read-only root filesystem.
  bool require_read_only = true;
  std::size_t max_tmpfs_size = std::size_t{64} << 20;
  int max_containers = 4;
  int max_min_warm = 1;
  int max_concurrency = 16;
  /// Image prefixes an added model may run (`registry.example/miners/`); empty = any image
  /// (pulled from its registry as the model's `pull` says).
  std::vector<std::string> allowed_images;
  /// Whether an added model may give `command` (the process runtime runs it on the host).
  bool allow_command = false;
  /// Whether an added model may give `fallback` or `upstream` (janusd sends requests to that URL
  /// with credentials from its own environment).
  bool allow_fallback = false;
  /// Environment variables an added model may not set; a name ending in `*` is a prefix.
  std::vector<std::string> denied_env{"JANUS_PLATFORM_URL", "JANUS_LLM_API_KEY",
                                      "JANUS_MEMORY_URL",   "JANUS_SEARCH_URL",
                                      "JANUS_LOG_LEVEL",    "JANUS_TIMEOUT",
                                      "LD_*"};

  bool operator==(const admin_limits&) const = default;
};

/// The admin API (`/admin/*`): enabled only when a token is configured.
struct admin_config {
  /// The bearer token `/admin/*` requires; empty = the admin API is disabled (404). When
  /// `token_env` is set, this holds the value read from that environment variable.
  std::string token;
  /// Name of an environment variable holding the token (keeps the secret out of the file).
  std::string token_env;
  /// Ceilings on models added at run time.
  admin_limits limits;
  /// Whether `POST /admin/models` runs the conformance check (janus-check's rules) on the model
  /// first and refuses it with 422 when a required rule fails.
  bool require_conformance = false;
  /// The deadline of each request the conformance check sends to the container.
  duration conformance_request_timeout = std::chrono::seconds(10);
  /// Conformance checks under way at once; past it an add is refused with 503.
  int max_conformance_checks = 2;
  /// Where the model registry (`models.yaml`: models added, removed and scaled through the admin
  /// API) is kept so that it outlasts a restart; empty = such changes last until janusd stops.
  std::string state_dir;

  bool operator==(const admin_config&) const = default;
};

/// Client API keys on `/v1/*` (`auth`): off while no key source is set.
struct auth_config {
  /// A file of client keys, one per line (plain or `sha256:<hex>`), read at start-up.
  std::string api_keys_file;
  /// Name of an environment variable holding comma-separated client keys.
  std::string api_keys_env;
  /// Whether `GET /metrics` needs a client key too (`auth.metrics: api_key`).
  bool metrics_need_key = false;
  /// The keys of both sources, hashed; empty = `/v1/*` is open.
  api_key_set keys;

  bool operator==(const auth_config&) const = default;
};

/// The whole engine configuration, as read from YAML.
struct config {
  server_config server;
  platform_config platform;
  log_config log;
  /// Runtime backend: "process" (local children) or "docker" (containers of the Docker engine).
  std::string runtime = "process";
  docker_config docker;
  admin_config admin;
  auth_config auth;
  process_config process;
  engine_config engine;
  /// The Sandy-compatible routes (`/api/sandboxes/*`): off by default.
  sandbox_config sandbox;
  /// Models by name, in the order the file lists them.
  std::vector<model_config> models;
};

/// Parses a duration: a number of seconds (`30`, `0.5`) or a number with a unit
/// (`250ms`, `30s`, `5m`, `1h`). Throws config_error naming `key` when malformed.
duration parse_duration(const std::string& text, const std::string& key);

/// Parses a size in bytes: a whole number (`1048576`) or a whole number with a unit: `B`, the
/// binary `KiB`, `MiB`, `GiB` (powers of 1024) or the decimal `KB`, `MB`, `GB` (powers of 1000).
/// Throws config_error naming `key` when malformed.
std::size_t parse_size(const std::string& text, const std::string& key);

/// The settings a model entry is read under: they decide its defaults (`docker.network`) and
/// its required fields (`command` or `image`, `docker.model_as_image`).
struct model_context {
  std::string runtime;
  docker_config docker;
};

/// Parses and validates YAML text. Throws config_error naming the offending key; a file nested
/// deeper than the default `server.max_json_depth` is refused (naming the line) before it is
/// built. `models_under`: read the models under these settings instead of the file's own (a
/// reload reads them under the running engine's, which a reload does not change).
config parse_config(const std::string& yaml_text, const model_context* models_under = nullptr);

/// Parses one model given at run time (the admin API's `POST /admin/models`): a mapping (JSON or
/// YAML) with `name` and the fields of a `models` entry, validated the same way; errors name the
/// field without a prefix (`min_warm: must be ...`). A text nested deeper than `max_depth`
/// (`server.max_json_depth`) is refused before it is built. Throws config_error.
model_config parse_model_config(const std::string& text, const std::string& runtime,
                                const docker_config& docker, int max_depth);

/// Whether the environment variable `name` matches `pattern`: equal, or `pattern` ends in `*`
/// and `name` starts with what precedes it.
bool env_name_matches(std::string_view pattern, std::string_view name);

/// Reads the file and calls parse_config; a missing file is a config_error too.
config load_config(const std::string& path, const model_context* models_under = nullptr);

} // namespace janus
