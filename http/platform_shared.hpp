#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/platform_limits.hpp"
#include "http/platform_metrics.hpp"
#include "model/platform.hpp"
#include "model/platform_config.hpp"

namespace janus::http {

/// One route as the platform server uses it: the configuration, its parsed upstream (none when
/// not configured) and, for https, the TLS context that verifies it.
struct platform_target {
  platform_route config;
  std::optional<upstream_url> upstream;
  std::shared_ptr<boost::asio::ssl::context> tls;
  /// What verifies the upstream's certificate, for error messages: `the system CA store` or
  /// `CA file /etc/x.pem`.
  std::string trust;
};

/// What every endpoint, session and call of the platform server reads: built once at start-up,
/// then read-only, except the limits and metrics (which are thread-safe).
struct platform_shared {
  platform_shared(platform_config cfg, metrics::registry& registry);

  platform_config config;
  std::vector<platform_target> targets;
  /// The routes' prefixes, in the order of `targets`, for match_route.
  std::vector<std::string> prefixes;
  std::vector<egress_pattern> egress;
  platform_limits limits;
  platform_metrics metrics;
};

} // namespace janus::http
