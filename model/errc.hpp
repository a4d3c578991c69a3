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
  /// A setting that the backend refuses at start-up, e.g. a runtime_class the Docker engine does
  /// not know: the message names the key, and janusd stops with a configuration error.
  invalid_config,
};

/// The stable snake_case name of an error code, as used in logs and in the OpenAI `code` field.
std::string_view to_string(errc code);

/// An expected failure with a human-readable message for the operator and the client.
struct error_info {
  errc code = errc::none;
  std::string message;
};

} // namespace janus
