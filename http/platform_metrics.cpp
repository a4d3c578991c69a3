#include "http/platform_metrics.hpp"

#include <string>

namespace janus::http {

namespace {

/// A platform call: 0.5 ms to 300 s (LLM streams are long).
const std::vector<double> call_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                       0.25,   0.5,   1,      2.5,   5,    10,    30,   60,
                                       120,    300};

} // namespace

platform_metrics::platform_metrics(metrics::registry& registry)
  : requests_(registry.add_striped_counter("janus_platform_requests_total",
                                   "Calls of containers to their platform endpoint, by model, "
                                   "route and HTTP status code.",
                                   {"model", "route", "code"})),
    duration_(registry.add_striped_histogram("janus_platform_request_duration_seconds",
                                     "Time from a platform call read in full to its answer's end.",
                                     {"model", "route"}, call_buckets)),
    bytes_(registry.add_striped_counter("janus_platform_bytes_total",
                                "Body bytes through the platform endpoint: request (from the "
                                "container) and response (to it); tunnels under route egress.",
                                {"model", "route", "direction"})),
    egress_(registry.add_striped_counter("janus_platform_egress_total",
                                 "CONNECT requests of containers: allowed (tunnel opened), "
                                 "denied (403), failed (target unreachable).",
                                 {"model", "result"})) {
}

void platform_metrics::count_call(std::string_view model, std::string_view route,
                                  unsigned status, std::chrono::steady_clock::duration took,
                                  std::uint64_t request_bytes, std::uint64_t response_bytes) {
  auto code = std::to_string(status);
  requests_.with({model, route, code})->inc();
  duration_.with({model, route})->observe(std::chrono::duration<double>(took).count());
  if (request_bytes > 0) {
    bytes_.with({model, route, "request"})->inc(request_bytes);
  }
  if (response_bytes > 0) {
    bytes_.with({model, route, "response"})->inc(response_bytes);
  }
}

void platform_metrics::remove_model(std::string_view model) {
  for (auto* family : {&requests_, &bytes_, &egress_}) {
    family->remove_where("model", model);
  }
  duration_.remove_where("model", model);
}

void platform_metrics::count_egress(std::string_view model, std::string_view result) {
  egress_.with({model, result})->inc();
}

void platform_metrics::count_tunnel_bytes(std::string_view model, std::uint64_t from_container,
                                          std::uint64_t to_container) {
  if (from_container > 0) {
    bytes_.with({model, "egress", "request"})->inc(from_container);
  }
  if (to_container > 0) {
    bytes_.with({model, "egress", "response"})->inc(to_container);
  }
}

} // namespace janus::http
