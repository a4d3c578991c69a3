#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace janus::baseline {

/// An answer that is an error: the HTTP status and the fields of an OpenAI error body
/// `{"error":{"message":..,"type":..,"param":..,"code":..}}`.
struct api_error {
  unsigned status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  /// The request field at fault, e.g. "messages"; rendered as null when absent.
  std::optional<std::string> param;
  /// A machine-readable reason; rendered as null when absent.
  std::optional<std::string> code;
};

/// A 400 about the request field `param` (null when empty).
api_error invalid_request(std::string message, std::string_view param = {});

/// The 404 for a path the baseline does not serve.
api_error unknown_path(std::string_view method, std::string_view target);

/// The 405 for a known path asked with a method it does not take.
api_error method_not_allowed(std::string_view method, std::string_view target);

/// The 413 for a request body over `limit` bytes.
api_error body_too_large(std::size_t limit);

/// The error a test asked for with `janus_baseline.status`: 5xx are server errors.
api_error simulated_error(unsigned status);

/// The error frame's error that a test asked for with `janus_baseline.error_after_tokens`.
api_error simulated_stream_error();

/// The compact OpenAI error body of `error`.
std::string render_error(const api_error& error);

} // namespace janus::baseline
