#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "metrics/registry.hpp"

namespace janus::http {

/// The platform endpoint's metric families:
/// `janus_platform_requests_total{model,route,code}`,
/// `janus_platform_request_duration_seconds{model,route}`,
/// `janus_platform_bytes_total{model,route,direction}` (direction `request`: body bytes from the
/// container, `response`: body bytes to it; a CONNECT tunnel counts under route `egress`) and
/// `janus_platform_egress_total{model,result}` (result `allowed`, `denied`, `failed`).
/// Labels are bounded: models, configured routes, and `unmatched` for calls no route serves.
/// Striped families (metrics/stripes.hpp): calls are counted on the platform's I/O threads.
class platform_metrics {
public:
  explicit platform_metrics(metrics::registry& registry);

  /// One answered call: its status, how long it took, its body bytes both ways.
  void count_call(std::string_view model, std::string_view route, unsigned status,
                  std::chrono::steady_clock::duration took, std::uint64_t request_bytes,
                  std::uint64_t response_bytes);

  /// One CONNECT: `allowed` (tunnel opened), `denied` (403) or `failed` (target unreachable).
  void count_egress(std::string_view model, std::string_view result);

  /// Bytes a tunnel carried (route `egress`).
  void count_tunnel_bytes(std::string_view model, std::uint64_t from_container,
                          std::uint64_t to_container);

  /// Takes every series of `model` off the page (its last container is gone: see
  /// actors::container_metrics::on_gone).
  void remove_model(std::string_view model);

private:
  metrics::family<metrics::counter>& requests_;
  metrics::family<metrics::histogram>& duration_;
  metrics::family<metrics::counter>& bytes_;
  metrics::family<metrics::counter>& egress_;
};

} // namespace janus::http
