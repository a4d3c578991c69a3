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
    case errc::none:
    case errc::internal:
    case errc::invalid_config:
      break;
  }
  auto param = error.code == errc::invalid_request ? error_param(error.message)
                                                   : std::string_view{};
  out.body = openai_error_body(error.message, out.type, param, to_string(error.code));
  return out;
}

} // namespace janus::http
