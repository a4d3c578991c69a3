#include "http/request_head.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <string>

#include "model/admin.hpp"
#include "model/sandbox.hpp"
#include "model/ows.hpp"

namespace janus::http {

namespace bhttp = boost::beast::http;

namespace {

constexpr std::string_view chat_path = "/v1/chat/completions";

bool iequals(std::string_view a, std::string_view b) {
  return boost::beast::iequals(a, b);
}

/// Calls `each` with every non-empty element of the comma-separated lists in the values of
/// every `name` field (RFC 9110 5.6.1: empty elements do not count).
template <class Each>
void for_each_element(const bhttp::request_header<>& head, bhttp::field name, Each each) {
  auto [begin, end] = head.equal_range(name);
  for (auto it = begin; it != end; ++it) {
    std::string_view rest = it->value();
    while (true) {
      auto comma = rest.find(',');
      auto element = trim_ows(rest.substr(0, comma));
      if (!element.empty()) {
        each(element);
      }
      if (comma == std::string_view::npos) {
        break;
      }
      rest.remove_prefix(comma + 1);
    }
  }
}

/// The fields judge_head counts, counted in one pass over the head (each of Beast's count() and
/// operator[] is a search of its tree: five of them were a fifth of judging a head).
struct field_tally {
  std::size_t transfer_encodings = 0;
  std::size_t content_lengths = 0;
  std::size_t hosts = 0;
  std::size_t expects = 0;
  std::string_view content_length;
};

field_tally tally_of(const bhttp::request_header<>& head) {
  field_tally tally;
  for (const auto& f : head) {
    switch (f.name()) {
      case bhttp::field::transfer_encoding:
        ++tally.transfer_encodings;
        break;
      case bhttp::field::content_length:
        ++tally.content_lengths;
        tally.content_length = f.value();
        break;
      case bhttp::field::host:
        ++tally.hosts;
        break;
      case bhttp::field::expect:
        ++tally.expects;
        break;
      default:
        break;
    }
  }
  return tally;
}

error_info bad_framing(std::string message) {
  return {errc::invalid_request, "refused request framing: " + std::move(message)};
}

/// What Beast's parser accepts but a back end behind another front end must not: each case
/// is a way to make two servers disagree on where a request ends.
error_info check_framing(const bhttp::request_header<>& head, const field_tally& tally) {
  auto te_fields = tally.transfer_encodings;
  auto cl_fields = tally.content_lengths;
  if (te_fields > 0) {
    if (head.version() < 11) {
      return bad_framing("Transfer-Encoding in an HTTP/1.0 request");
    }
    if (cl_fields > 0) {
      return bad_framing("both Transfer-Encoding and Content-Length");
    }
    std::size_t codings = 0;
    bool only_chunked = true;
    for_each_element(head, bhttp::field::transfer_encoding, [&](std::string_view coding) {
      ++codings;
      only_chunked = only_chunked && iequals(coding, "chunked");
    });
    if (codings != 1 || !only_chunked) {
      return bad_framing("the only Transfer-Encoding served is a single \"chunked\"");
    }
  }
  if (cl_fields > 1) {
    return bad_framing("more than one Content-Length field");
  }
  if (cl_fields == 1) {
    // Beast accepts a list of equal values (`5, 5`); nginx refuses any list, and so do we.
    auto value = trim_ows(tally.content_length);
    bool digits = !value.empty();
    for (char c : value) {
      digits = digits && c >= '0' && c <= '9';
    }
    if (!digits) {
      return bad_framing("Content-Length must be one decimal number");
    }
  }
  auto hosts = tally.hosts;
  if (hosts > 1) {
    return bad_framing("more than one Host field");
  }
  if (hosts == 0 && head.version() >= 11) {
    return bad_framing("an HTTP/1.1 request needs a Host field");
  }
  return {};
}

bool needs_api_key(std::string_view path, route target, const head_policy& policy) {
  if (policy.api_keys == nullptr || !policy.api_keys->enabled()) {
    return false;
  }
  if (target == route::metrics) {
    return policy.metrics_need_key;
  }
  return path == "/v1" || path.starts_with("/v1/");
}

bool method_allowed(route target, bhttp::verb method) {
  switch (target) {
    case route::chat:
      return method == bhttp::verb::post;
    case route::health:
    case route::ready:
    case route::models:
    case route::metrics:
      return method == bhttp::verb::get || method == bhttp::verb::head;
    case route::admin:
    case route::sandbox:
    case route::unknown:
      return true;
  }
  return true;
}

/// The request's expectation: none, 100-continue, or a 417 refusal.
error_info check_expectation(const bhttp::request_header<>& head, const field_tally& tally,
                             bool& expects_continue) {
  expects_continue = false;
  if (tally.expects == 0) {
    return {};
  }
  std::size_t expectations = 0;
  bool only_continue = true;
  for_each_element(head, bhttp::field::expect, [&](std::string_view expectation) {
    ++expectations;
    only_continue = only_continue && iequals(expectation, "100-continue");
  });
  if (expectations != 1 || !only_continue) {
    return {errc::expectation_failed, "the only expectation served is Expect: 100-continue"};
  }
  // An HTTP/1.0 client cannot read a 1xx answer: its expectation is ignored.
  expects_continue = head.version() >= 11;
  return {};
}

} // namespace

route route_of(std::string_view path, bool admin_enabled, bool sandbox_enabled) {
  if (path == chat_path) {
    return route::chat;
  }
  if (path == "/health") {
    return route::health;
  }
  if (path == "/ready") {
    return route::ready;
  }
  if (path == "/v1/models") {
    return route::models;
  }
  if (path == "/metrics") {
    return route::metrics;
  }
  if (admin_enabled && (path == "/admin" || path.starts_with("/admin/"))) {
    return route::admin;
  }
  if (sandbox_enabled && is_sandbox_path(path)) {
    return route::sandbox;
  }
  return route::unknown;
}

std::string_view allowed_methods(route target) {
  switch (target) {
    case route::chat:
      return "POST";
    case route::health:
    case route::ready:
    case route::models:
    case route::metrics:
      return "GET, HEAD";
    case route::admin:
    case route::sandbox:
    case route::unknown:
      break;
  }
  return {};
}

head_verdict judge_head(const bhttp::request_header<>& head, std::string_view path,
                        const head_policy& policy) {
  head_verdict verdict;
  verdict.target = route_of(path, policy.admin_enabled, policy.sandbox_enabled);
  auto tally = tally_of(head);
  verdict.refusal = check_framing(head, tally);
  if (verdict.refusal.code != errc::none) {
    verdict.framing = true;
    return verdict;
  }
  if (needs_api_key(path, verdict.target, policy)
      && !policy.api_keys->accepts(head[bhttp::field::authorization])) {
    verdict.refusal = {errc::invalid_api_key,
                       "a valid API key is required (Authorization: Bearer <key>)"};
    return verdict;
  }
  if (verdict.target == route::admin
      && !bearer_matches(head[bhttp::field::authorization], policy.admin_token)) {
    verdict.refusal = {errc::admin_unauthorized, "the admin API needs a valid bearer token "
                                                 "(Authorization: Bearer <token>)"};
    return verdict;
  }
  if (verdict.target == route::sandbox) {
    if (policy.sandbox_needs_api_key) {
      if (policy.api_keys == nullptr || !policy.api_keys->accepts(head[bhttp::field::authorization])) {
        verdict.refusal = {errc::invalid_api_key, "the sandbox routes need a valid API key "
                                                  "(Authorization: Bearer <key>)"};
        return verdict;
      }
    } else if (!bearer_matches(head[bhttp::field::authorization], policy.admin_token)) {
      verdict.refusal = {errc::admin_unauthorized, "the sandbox routes need the admin bearer "
                                                   "token (Authorization: Bearer <token>)"};
      return verdict;
    }
  }
  if (verdict.target == route::unknown) {
    verdict.refusal = {errc::no_route, "no route for " + std::string{path}};
    return verdict;
  }
  if (!method_allowed(verdict.target, head.method())) {
    verdict.refusal = {errc::method_not_allowed,
                       "use " + std::string{allowed_methods(verdict.target)} + " for "
                         + std::string{path}};
    return verdict;
  }
  verdict.refusal = check_expectation(head, tally, verdict.expects_continue);
  return verdict;
}

} // namespace janus::http
