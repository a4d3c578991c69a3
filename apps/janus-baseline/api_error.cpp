#include "apps/janus-baseline/api_error.hpp"

#include "apps/janus-baseline/json_writer.hpp"

namespace janus::baseline {

api_error invalid_request(std::string message, std::string_view param) {
  api_error error;
  error.status = 400;
  error.message = std::move(message);
  if (!param.empty()) {
    error.param = std::string(param);
  }
  return error;
}

api_error unknown_path(std::string_view method, std::string_view target) {
  api_error error;
  error.status = 404;
  error.message = "Invalid URL (" + std::string(method) + " " + std::string(target) + ")";
  error.code = "unknown_url";
  return error;
}

api_error method_not_allowed(std::string_view method, std::string_view target) {
  api_error error;
  error.status = 405;
  error.message = "Method " + std::string(method) + " is not allowed on " + std::string(target);
  error.code = "method_not_allowed";
  return error;
}

api_error body_too_large(std::size_t limit) {
  api_error error;
  error.status = 413;
  error.message = "Request body is larger than " + std::to_string(limit) + " bytes";
  error.code = "request_too_large";
  return error;
}

api_error simulated_error(unsigned status) {
  api_error error;
  error.status = status;
  error.message = "janus-baseline: simulated HTTP " + std::to_string(status)
                  + " (janus_baseline.status)";
  error.type = status >= 500 ? "server_error" : "invalid_request_error";
  error.code = "simulated_error";
  return error;
}

api_error simulated_stream_error() {
  api_error error;
  error.status = 500;
  error.message = "janus-baseline: simulated model failure (janus_baseline.error_after_tokens)";
  error.type = "server_error";
  error.code = "simulated_error";
  return error;
}

std::string render_error(const api_error& error) {
  json_writer json;
  auto& w = json.writer();
  w.StartObject();
  json.key("error");
  w.StartObject();
  json.key("message");
  json.string(error.message);
  json.key("type");
  json.string(error.type);
  json.key("param");
  json.optional_string(error.param);
  json.key("code");
  json.optional_string(error.code);
  w.EndObject();
  w.EndObject();
  return json.release();
}

} // namespace janus::baseline
