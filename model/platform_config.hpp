#pragma once

#include <chrono>
#include <cstdint>
#include <cstddef>
#include <string>
#include <vector>

namespace janus {

/// One header janusd adds to every request of a platform route: the real credentials, read at
/// start-up from janusd's environment or a file, never from the container.
struct injected_header {
  std::string name;
  /// The value sent upstream (prefix included).
  std::string value;
  /// Where the value came from, for logs that must not show it: `env CHUTES_API_KEY`.
  std::string source;

  bool operator==(const injected_header&) const = default;
};

/// One path prefix of the platform endpoint and the upstream it goes to.
struct platform_route {
  /// Path prefix, e.g. `/v1/chat/completions`; matched at a segment boundary.
  std::string prefix;
  /// http or https URL the prefix maps onto; empty = not configured (503 naming the route).
  std::string upstream;
  std::vector<injected_header> headers;
  /// CA bundle (PEM) that verifies an https upstream; empty = the system store.
  std::string ca_file;
  /// Deadline of one call: connect, request and the whole answer.
  std::chrono::milliseconds timeout = std::chrono::seconds(300);
  /// Largest request body a container may send on this route.
  std::size_t max_body_bytes = std::size_t{1} << 20;
  /// Calls of one model on this route in flight at once; more get 429.
  int max_concurrency = 16;
  /// Sustained calls per second of one model on this route (token bucket rate); 0 = no limit.
  double rate = 20.0;
  /// Calls one model may make at once above the rate (token bucket size).
  double burst = 40.0;

  bool operator==(const platform_route&) const = default;
};

/// HTTP CONNECT egress through the platform endpoint.
struct egress_config {
  /// `host:port` patterns: an exact name or address, or `*.` and a domain (its sub-domains).
  std::vector<std::string> allow;
  /// Time to resolve and connect to the target.
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(10);
  /// Longest silence in both directions of a tunnel before it is closed.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  /// Longest life of one tunnel.
  std::chrono::milliseconds total_timeout = std::chrono::minutes(10);

  bool operator==(const egress_config&) const = default;
};

/// The platform endpoint that each container gets, and the values of the container contract.
struct platform_config {
  /// `JANUS_LOG_LEVEL` of every container, passed through as written.
  std::string log_level = "INFO";
  /// `JANUS_TIMEOUT` of every container (passed in seconds).
  std::chrono::milliseconds timeout = std::chrono::seconds(300);
  /// The port of each isolated Docker container's platform endpoint, on the container's own
  /// 127.0.0.1 (never 8080, the model's port).
  std::uint16_t port = 9000;
  /// I/O threads of the platform server (each endpoint lives on one of them).
  int threads = 1;
  /// Largest request header block a container may send.
  std::size_t max_header_bytes = 16 * 1024;
  /// Time a container has to send one whole request.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  /// Time a keep-alive connection from a container may sit idle.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  /// Connections open at once on one endpoint; more are closed at once.
  int max_connections = 64;
  /// The routes, defaults (Spec 95's table, without upstreams) overlaid with the file's.
  std::vector<platform_route> routes;
  egress_config egress;

  bool operator==(const platform_config&) const = default;
};

/// The routes of Spec 95's platform table, every upstream empty: the operator sets them.
std::vector<platform_route> default_platform_routes();

} // namespace janus
