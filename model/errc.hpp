#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace janus {

/// Expected failures of the engine. They travel as values and become an HTTP status and an
/// OpenAI error body at one place only: the HTTP edge (`http/error_response`).
enum class errc : std::uint8_t {
  none = 0,
  /// The request body is not valid JSON or misses `model`/`messages`.
  invalid_request,
  /// No pool serves the requested model.
  unknown_model,
  /// The request body is larger than `server.max_body_bytes`.
  body_too_large,
  /// Every slot is busy and the model's queue is at `queue_limit`.
  queue_full,
  /// The request waited `queue_timeout` (or its deadline) without getting a slot.
  queue_timeout,
  /// No container could be started for the model.
  no_capacity,
  /// A container did not answer within `server.upstream_timeout`.
  upstream_timeout,
  /// A container failed before answering (connection refused, reset, bad response).
  upstream_failed,
  /// The engine is draining and takes no new requests.
  shutting_down,
  /// A bug: should never reach a client.
  internal,
  /// The admin API was asked to create what exists already (409).
  conflict,
  // -- the platform endpoint ----------------------------------------------------------------
  /// A call to a platform endpoint without the container's token (401).
  unauthorized,
  /// A platform route whose upstream the operator has not set (503).
  not_configured,
  /// A model's calls on a platform route are past its concurrency or rate limit (429).
  rate_limited,
  /// A CONNECT target that the egress allowlist does not allow (403).
  egress_denied,
  // -- refusals of the HTTP edge (issue 9) --------------------------------------------------
  /// No route serves the request's path, on the API or a platform endpoint (404).
  no_route,
  /// The path is served, but not with the request's method (405, with `Allow`).
  method_not_allowed,
  /// The request's head or body did not arrive within `server.read_timeout` (408; the
  /// connection is closed without an answer, so this is seen in the log and metrics only).
  request_timeout,
  /// An `Expect` other than `100-continue` (417).
  expectation_failed,
  /// The request's header block is larger than `server.max_header_bytes` (431).
  headers_too_large,
  /// `/v1/*` without a configured client API key as bearer token (401, `WWW-Authenticate`).
  invalid_api_key,
  /// `/admin/*` without the admin token as bearer token (401, `WWW-Authenticate`).
  admin_unauthorized,
  /// The connection would pass `server.max_connections` (503, then closed).
  too_many_connections,
  /// The asker withdrew a lease request (its client went away): answered to nobody (499).
  cancelled,
  // -- admission of models (issue 13) -------------------------------------------------------
  /// A model added with `admin.require_conformance` fails a required rule of the Janus
  /// container contract (422, naming the failed rules).
  not_conforming,
  /// A setting that the backend refuses at start-up, e.g. a runtime_class the Docker engine does
  /// not know: the message names the key, and janusd stops with a configuration error.
  invalid_config,
  /// The admin API was asked about a container janusd does not know (or has forgotten) (404).
  unknown_container,
  /// janusd itself is short of a resource for the request (out of file descriptors for the
  /// container connection): 503 with Retry-After; no container is blamed, nothing is re-sent.
  engine_overloaded,
  // -- the Sandy-compatible routes (issue 13) -----------------------------------------------
  /// `/api/sandboxes/{id}` names no sandbox that exists (never made, deleted or ended) (404).
  unknown_sandbox,
  /// A new sandbox past sandbox.max_sandboxes, or a container past
  /// sandbox.max_containers_per_sandbox (429 with Retry-After).
  sandbox_limit,
};

/// The stable snake_case name of an error code, as used in logs and in the OpenAI `code` field.
std::string_view to_string(errc code);

/// An expected failure with a human-readable message for the operator and the client.
struct error_info {
  errc code = errc::none;
  std::string message;
  /// Seconds the client should wait before trying again (Retry-After); 0 = the code's default.
  int retry_after = 0;
  /// For no_capacity: the model's last container start failed (its message says why), rather
  /// than the pool being full or restarting; fallback.when `start_failed` looks at it.
  bool start_failed = false;
};

} // namespace janus
