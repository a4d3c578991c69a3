#pragma once

#include <boost/beast/core/error.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/errc.hpp"

namespace janus::http {

/// A complete, small answer of the engine's own (not relayed from a container).
struct reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Seconds for Retry-After; 0 = no header.
  int retry_after = 0;
  /// A WWW-Authenticate challenge (401); empty = no header.
  std::string www_authenticate = {};
  /// The methods the path allows (405), e.g. `GET, HEAD`; empty = no header.
  std::string allow = {};
};

/// A JSON answer.
reply json_reply(unsigned status, std::string body);

/// An expected failure as its OpenAI error answer (status, body, Retry-After, WWW-Authenticate).
reply error_reply(const error_info& error);

/// 405 for a known path asked with the wrong method; `allowed` becomes its `Allow` header.
reply method_not_allowed(std::string_view allowed, std::string_view target);

/// 404 for a path no route serves.
reply no_route(std::string_view target);

/// `GET /ready`: 200 when every pool reached min_warm, 503 before.
reply readiness_reply(bool ready, const std::string& detail);

/// `GET /v1/models` body: OpenAI's list format.
std::string models_body(const std::vector<std::string>& names);

/// The answer a request that could not be read deserves: 431 for headers over the limit, 413
/// for a body over it, 400 for a malformed request; nothing when the client left or timed out.
std::optional<reply> answer_to_read_error(const boost::beast::error_code& ec,
                                          std::size_t max_header_bytes, std::size_t max_body_bytes);

} // namespace janus::http
