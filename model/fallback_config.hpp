#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/errc.hpp"
#include "model/platform_config.hpp"

namespace janus {

/// Why a request that the model's pool could not serve goes to the model's direct deployment
/// (`fallback.when`). Each names errors the request path produces today (docs/configuration.md):
enum class fallback_reason : std::uint8_t {
  /// errc::no_capacity (no container can take the request: none running and none may start, a
  /// pool that restarts) unless the last start failed, and errc::queue_timeout (no slot became
  /// free within queue_timeout).
  no_capacity,
  /// errc::no_capacity while the model's last container start failed (start error, startup
  /// timeout; error_info::start_failed).
  start_failed,
  /// errc::queue_full: every slot busy and queue_limit requests waiting.
  queue_full,
  /// errc::upstream_failed or errc::upstream_timeout of the last attempt on a container (after
  /// its re-sends), before any byte of an answer reached the client.
  retries_failed,
};

inline constexpr std::size_t fallback_reason_count = 4;

/// `no_capacity`, `start_failed`, `queue_full`, `retries_failed`.
std::string_view to_string(fallback_reason reason);

/// The reason named `text`, if it is one.
std::optional<fallback_reason> parse_fallback_reason(std::string_view text);

/// A model's direct deployment (`fallback:`, or `upstream:` alone): an OpenAI-compatible HTTP(S)
/// server that gets a request when the pool cannot serve it for a reason in `when`, or every
/// request when `always`. Empty `url`: none.
struct fallback_config {
  /// http or https URL; the request goes to its path (e.g. `https://api.x/v1/chat/completions`).
  std::string url;
  /// Bit i set: fallback_reason i falls back.
  std::uint8_t when = 0;
  /// An upstream-only model (`upstream:`): no containers, every request goes to `url`.
  bool always = false;
  /// When set, the request's `model` field is replaced by this name on its way there.
  std::string model;
  /// Headers sent with every fallback request: `Authorization: Bearer <api_key_env's value>`
  /// and `headers`, their values read from janusd's environment (or a file) at start-up.
  std::vector<injected_header> headers;
  /// The variable `api_key_env` named (for messages: the value is never logged).
  std::string api_key_env;
  /// CA bundle (PEM) that verifies an https upstream besides the system store; empty: the
  /// system store alone.
  std::string ca_file;
  /// Requests in flight to the upstream at once (each holds one connection); past it the
  /// request keeps its original error.
  int max_connections = 16;

  bool enabled() const {
    return !url.empty();
  }

  bool operator==(const fallback_config&) const = default;

  /// Whether a request failed with `reason` goes to the fallback.
  bool falls_back_on(fallback_reason reason) const {
    return enabled() && (always || (when & (1u << static_cast<unsigned>(reason))) != 0);
  }
};

/// The reason an error of the request path is, when it is one a fallback can answer.
/// `from_attempt`: the error ended an attempt on a container (not the wait for a lease).
std::optional<fallback_reason> fallback_reason_of(const error_info& error, bool from_attempt);

} // namespace janus
