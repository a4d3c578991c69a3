#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace janus {

/// A container's request slots (actors/lease_gate.hpp): a lease holds one of them.
struct lease_slot;

class netns_sockets;

/// A container's HTTP endpoint. The engine only ever reaches containers on loopback: the host's
/// 127.0.0.1 (a published port), or, for a container with its own network namespace, the
/// container's own 127.0.0.1, through sockets made inside that namespace.
struct endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  /// The container's network namespace (model/netns_sockets.hpp); null = the host's.
  std::shared_ptr<netns_sockets> ns{};
};

/// How warm the container was that served a request.
enum class start_kind : std::uint8_t {
  /// A container that had served requests before.
  warm,
  /// A pre-warmed container serving its first request.
  prewarmed,
  /// A container started for this request (the request waited for it).
  cold,
  /// A paused container resumed for this request (the request waited for it).
  resumed,
  /// No container: the model's direct deployment (fallback.url, or an upstream-only model's
  /// upstream) answered.
  fallback,
};

std::string_view to_string(start_kind kind);

/// How a leased request ended, reported back to the pool on release. Only `refused` counts
/// against the container (see the pool's failure_threshold): a failure that the request itself
/// may have caused (a model that crashes on it, a slow answer) counts against no container, so
/// no sequence of requests can retire healthy containers.
enum class lease_outcome : std::uint8_t {
  ok,
  /// The container failed before the first byte of its answer (closed, reset, bad answer), or
  /// the request could not be written: it may be the request's doing.
  failed_before_first_byte,
  failed_mid_stream,
  client_gone,
  /// The container did not take the connection (refused, reset or unreachable while
  /// connecting): nothing was sent, so only the container can be the cause.
  refused,
  /// The container was too slow: no first byte within first_byte_timeout, silence past
  /// stream_idle_timeout, or an answer not complete by request_timeout. Counted as slow, never
  /// as a failure.
  timed_out,
};

std::string_view to_string(lease_outcome outcome);

/// The right to send one request to one container slot. Released exactly once.
struct lease {
  std::string model;
  std::string container_id;
  endpoint target;
  start_kind kind = start_kind::warm;
  std::chrono::microseconds queue_time{0};
  /// For a cold start: how long the container took from its start to ready; for a resumed one,
  /// from its resume to ready; zero otherwise.
  std::chrono::microseconds container_start{0};
  /// The model's first_byte_timeout; zero: the server's upstream_timeout.
  std::chrono::milliseconds first_byte_timeout{0};
  /// The slot taken: giving it back ends the lease.
  std::shared_ptr<lease_slot> slot;
};

} // namespace janus
