#pragma once

#include <ostream>

#include <boost/beast/http/status.hpp>

#include <string>
#include <string_view>

#include "model/errc.hpp"

namespace janus::http {

/// The HTTP form of an expected failure: the one place where errc meets HTTP.
struct error_response {
  boost::beast::http::status status;
  /// OpenAI's error `type`, e.g. invalid_request_error.
  std::string_view type;
  /// OpenAI-shaped body `{"error":{...}}`.
  std::string body;
  /// Seconds for Retry-After (429, 503); 0 = no header.
  int retry_after = 0;
  /// The WWW-Authenticate challenge (401); empty = no header.
  std::string_view www_authenticate = {};
};

/// Maps an error to its status, OpenAI type and code, and renders the body.
error_response make_error_response(const error_info& error);

} // namespace janus::http
