#include "http/error_response.hpp"

#include "model/openai.hpp"

namespace janus::http {

namespace bhttp = boost::beast::http;

error_response make_error_response(const error_info& error) {
  error_response out{bhttp::status::internal_server_error, "server_error", {}, 0};
  switch (error.code) {
    case errc::invalid_request:
      out.status = bhttp::status::bad_request;
      out.type = "invalid_request_error";
      break;
    case errc::unknown_model:
      out.status = bhttp::status::not_found;
      out.type = "invalid_request_error";
      break;
    case errc::body_too_large:
      out.status = bhttp::status::payload_too_large;
      out.type = "invalid_request_error";
      break;
    case errc::queue_full:
    case errc::queue_timeout:
      out.status = bhttp::status::too_many_requests;
      out.type = "rate_limit_error";
      out.retry_after = 1;
      break;
    case errc::no_capacity:
    case errc::shutting_down:
      out.status = bhttp::status::service_unavailable;
      out.type = "server_error";
      out.retry_after = 5;
      break;
    case errc::upstream_timeout:
      out.status = bhttp::status::gateway_timeout;
      out.type = "server_error";
      break;
    case errc::upstream_failed:
      out.status = bhttp::status::bad_gateway;
      out.type = "server_error";
      break;
    case errc::conflict:
      out.status = bhttp::status::conflict;
      out.type = "invalid_request_error";
      break;
    case errc::unauthorized:
      out.status = bhttp::status::unauthorized;
      out.type = "authentication_error";
      break;
    case errc::no_route:
      out.status = bhttp::status::not_found;
      out.type = "invalid_request_error";
      break;
    case errc::not_configured:
      out.status = bhttp::status::service_unavailable;
      out.type = "server_error";
      break;
    case errc::rate_limited:
      out.status = bhttp::status::too_many_requests;
      out.type = "rate_limit_error";
      out.retry_after = 1;
      break;
    case errc::egress_denied:
      out.status = bhttp::status::forbidden;
      out.type = "permission_error";
      break;
    case errc::method_not_allowed:
      out.status = bhttp::status::method_not_allowed;
      out.type = "invalid_request_error";
      break;
    case errc::request_timeout:
      out.status = bhttp::status::request_timeout;
      out.type = "invalid_request_error";
      break;
    case errc::expectation_failed:
      out.status = bhttp::status::expectation_failed;
      out.type = "invalid_request_error";
      break;
    case errc::headers_too_large:
      out.status = bhttp::status::request_header_fields_too_large;
      out.type = "invalid_request_error";
      break;
    case errc::invalid_api_key:
    case errc::admin_unauthorized:
      out.status = bhttp::status::unauthorized;
      out.type = "invalid_request_error";
      out.www_authenticate = "Bearer";
      break;
    case errc::too_many_connections:
      out.status = bhttp::status::service_unavailable;
      out.type = "server_error";
      out.retry_after = 1;
      break;
    case errc::cancelled:
      out.status = static_cast<bhttp::status>(499);
      out.type = "invalid_request_error";
      break;
    case errc::not_conforming:
      out.status = bhttp::status::unprocessable_entity;
      out.type = "invalid_request_error";
      break;
    case errc::unknown_container:
      out.status = bhttp::status::not_found;
      out.type = "invalid_request_error";
      break;
    case errc::engine_overloaded:
      out.status = bhttp::status::service_unavailable;
      out.type = "server_error";
      out.retry_after = 1;
      break;
    case errc::unknown_sandbox:
      out.status = bhttp::status::not_found;
      out.type = "invalid_request_error";
      break;
    case errc::sandbox_limit:
      out.status = bhttp::status::too_many_requests;
      out.type = "rate_limit_error";
      out.retry_after = 5;
      break;
    case errc::none:
    case errc::internal:
    case errc::invalid_config:
      break;
  }
  if (error.retry_after > 0) {
    out.retry_after = error.retry_after;
  }
  auto param = error.code == errc::invalid_request ? error_param(error.message)
                                                   : std::string_view{};
  out.body = openai_error_body(error.message, out.type, param, to_string(error.code));
  return out;
}

} // namespace janus::http
