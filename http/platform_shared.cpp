#include "http/platform_shared.hpp"

#include "http/upstream_connect.hpp"

#include <stdexcept>

namespace janus::http {

namespace {

/// The TLS client context of an https route: peer verification against `ca_file`, or the
/// system store when it is empty. Throws std::runtime_error naming the key when it is bad.
std::shared_ptr<boost::asio::ssl::context> client_tls(const platform_route& route) {
  try {
    return make_client_tls(route.ca_file, route.ca_file.empty());
  } catch (const std::runtime_error& error) {
    throw std::runtime_error("platform.routes." + route.prefix + ".ca_file: " + error.what());
  }
}

} // namespace

platform_shared::platform_shared(platform_config cfg, metrics::registry& registry)
  : config(std::move(cfg)), metrics(registry) {
  for (const auto& route : config.routes) {
    platform_target target;
    target.config = route;
    if (!route.upstream.empty()) {
      auto parsed = parse_upstream_url(route.upstream);
      if (!parsed) {
        throw std::runtime_error("platform.routes." + route.prefix
                                 + ".upstream: " + parsed.error().message);
      }
      target.upstream = parsed.value();
      if (target.upstream->tls) {
        target.tls = client_tls(route);
        target.trust = route.ca_file.empty() ? "the system CA store" : "CA file " + route.ca_file;
      }
    }
    prefixes.push_back(route.prefix);
    targets.push_back(std::move(target));
  }
  for (const auto& text : config.egress.allow) {
    auto parsed = parse_egress_pattern(text);
    if (!parsed) {
      throw std::runtime_error("platform.egress.allow: " + parsed.error().message);
    }
    egress.push_back(parsed.value());
  }
}

} // namespace janus::http
