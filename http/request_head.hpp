#pragma once

#include <boost/beast/http/message.hpp>

#include <string_view>

#include "model/api_keys.hpp"
#include "model/errc.hpp"

namespace janus::http {

/// The engine's own routes, by path.
enum class route { chat, health, ready, models, metrics, admin, sandbox, unknown };

/// The route of `path` (without its query); `/admin` paths only while the admin API is enabled,
/// `/api/sandboxes` paths only while the Sandy-compatible routes are (sandbox.enabled).
route route_of(std::string_view path, bool admin_enabled, bool sandbox_enabled = false);

/// The `Allow` value of a route: `POST`, or `GET, HEAD`; empty for admin, sandbox and unknown
/// paths (their handlers know per path).
std::string_view allowed_methods(route target);

/// What the head of a request needs to be judged: the settings that decide on it.
struct head_policy {
  bool admin_enabled = false;
  /// The admin API's bearer token (empty: disabled).
  std::string_view admin_token;
  /// Client API keys for `/v1/*` (null or empty: open).
  const api_key_set* api_keys = nullptr;
  /// Whether `/metrics` needs a client API key too.
  bool metrics_need_key = false;
  /// Whether `/api/sandboxes/*` is served (sandbox.enabled), and whether it takes a client API
  /// key (sandbox.auth: api_keys) instead of the admin token.
  bool sandbox_enabled = false;
  bool sandbox_needs_api_key = false;
};

/// What the session does with a request, decided from its head alone, before any byte of its
/// body is read (so a refused request is never answered `100 Continue`).
struct head_verdict {
  route target = route::unknown;
  /// errc::none: read the body and serve; otherwise the answer (405: see allowed_methods).
  error_info refusal;
  /// The refusal is about the message framing: nothing after this head can be trusted, the
  /// connection ends after the answer.
  bool framing = false;
  /// The client waits for `100 Continue` before it sends the body.
  bool expects_continue = false;
};

/// Judges a request head, in this order:
/// 1. framing (RFC 9112 6, as nginx and HAProxy apply it), what Beast's parser lets through:
///    a Transfer-Encoding other than exactly one `chunked` (another or an unknown coding,
///    `chunked` not last or twice, an empty value), Transfer-Encoding with Content-Length or on
///    HTTP/1.0, more than one Content-Length (a list `5, 5` or the field twice, even with equal
///    values), a missing Host on HTTP/1.1 or several Host fields: 400;
/// 2. credentials: `/v1/*` (and `/metrics` when so configured) without a configured client key
///    (401 invalid_api_key), `/admin/*` without the admin token (401), `/api/sandboxes/*`
///    without the credential sandbox.auth names (401, never open);
/// 3. route and method: 404 no_route, 405 method_not_allowed;
/// 4. `Expect`: `100-continue` (ignored on HTTP/1.0, RFC 9110 10.1.1) or 417 for anything else.
/// Pure: no I/O, bounded by the head's size.
head_verdict judge_head(const boost::beast::http::request_header<>& head, std::string_view path,
                        const head_policy& policy);

} // namespace janus::http
