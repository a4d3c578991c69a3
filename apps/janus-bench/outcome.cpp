#include "apps/janus-bench/outcome.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace janus::bench {

std::string_view to_string(error_class value) {
  switch (value) {
    case error_class::ok:
      return "ok";
    case error_class::connect_error:
      return "connect_error";
    case error_class::timeout:
      return "timeout";
    case error_class::http_4xx:
      return "http_4xx";
    case error_class::http_429:
      return "http_429";
    case error_class::http_5xx:
      return "http_5xx";
    case error_class::stream_error:
      return "stream_error";
  }
  return "unknown";
}

error_class classify_status(unsigned status, bool body_failed) {
  if (status == 429) {
    return error_class::http_429;
  }
  if (status >= 500 && status <= 599) {
    return error_class::http_5xx;
  }
  if (status < 200 || status > 299) {
    return error_class::http_4xx;
  }
  return body_failed ? error_class::stream_error : error_class::ok;
}

std::string_view to_string(start_kind value) {
  switch (value) {
    case start_kind::none:
      return "none";
    case start_kind::warm:
      return "warm";
    case start_kind::prewarmed:
      return "prewarmed";
    case start_kind::cold:
      return "cold";
    case start_kind::other:
      return "other";
    case start_kind::resumed:
      return "resumed";
    case start_kind::fallback:
      return "fallback";
  }
  return "other";
}

std::string_view to_string(token_source value) {
  switch (value) {
    case token_source::none:
      return "none";
    case token_source::usage:
      return "usage";
    case token_source::chunks:
      return "chunks";
  }
  return "none";
}

start_kind start_kind_in_comment(std::string_view body) {
  constexpr std::string_view prefix = ": x-janus-start: ";
  auto at = body.find(prefix);
  if (at == std::string_view::npos) {
    return start_kind::none;
  }
  auto value = body.substr(at + prefix.size());
  auto end = value.find('\n');
  if (end == std::string_view::npos) {
    return start_kind::none; // cut by the read: not the whole value
  }
  return parse_start_kind(value.substr(0, end));
}

start_kind parse_start_kind(std::string_view header_value) {
  std::string value{header_value};
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (value.empty()) {
    return start_kind::none;
  }
  if (value == "warm") {
    return start_kind::warm;
  }
  if (value == "prewarmed") {
    return start_kind::prewarmed;
  }
  if (value == "cold") {
    return start_kind::cold;
  }
  if (value == "resumed") {
    return start_kind::resumed;
  }
  if (value == "fallback") {
    return start_kind::fallback;
  }
  return start_kind::other;
}

} // namespace janus::bench
