#include "model/errc.hpp"

namespace janus {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::none:
      return "none";
    case errc::invalid_request:
      return "invalid_request";
    case errc::unknown_model:
      return "model_not_found";
    case errc::body_too_large:
      return "request_too_large";
    case errc::queue_full:
      return "queue_full";
    case errc::queue_timeout:
      return "queue_timeout";
    case errc::no_capacity:
      return "no_capacity";
    case errc::upstream_timeout:
      return "upstream_timeout";
    case errc::upstream_failed:
      return "upstream_error";
    case errc::shutting_down:
      return "shutting_down";
    case errc::internal:
      return "internal_error";
    case errc::conflict:
      return "conflict";
    case errc::unauthorized:
      return "unauthorized";
    case errc::not_configured:
      return "route_not_configured";
    case errc::rate_limited:
      return "rate_limited";
    case errc::egress_denied:
      return "egress_denied";
    case errc::no_route:
      return "not_found";
    case errc::method_not_allowed:
      return "method_not_allowed";
    case errc::request_timeout:
      return "request_timeout";
    case errc::expectation_failed:
      return "expectation_failed";
    case errc::headers_too_large:
      return "headers_too_large";
    case errc::invalid_api_key:
      return "invalid_api_key";
    case errc::admin_unauthorized:
      return "unauthorized";
    case errc::too_many_connections:
      return "too_many_connections";
    case errc::cancelled:
      return "cancelled";
    case errc::not_conforming:
      return "conformance_failed";
    case errc::invalid_config:
      return "invalid_config";
    case errc::unknown_container:
      return "unknown_container";
    case errc::engine_overloaded:
      return "engine_overloaded";
    case errc::unknown_sandbox:
      return "sandbox_not_found";
    case errc::sandbox_limit:
      return "sandbox_limit_reached";
  }
  return "unknown";
}

} // namespace janus
