#pragma once

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "model/fallback_config.hpp"
#include "model/platform.hpp"
#include "model/result.hpp"

namespace janus::http {

/// A model's direct deployment as the chat path uses it (model/fallback_config.hpp): the parsed
/// URL, the TLS context that verifies it, the fixed part of every request's head, and the count
/// of requests in flight there against fallback.max_connections. Built once per pool, read-only
/// but for that count (atomic), shared by every I/O thread.
struct fallback_target {
  std::string model;
  fallback_config config;
  upstream_url upstream;
  /// For https: verifies the peer with the system store and fallback.ca_file.
  std::shared_ptr<boost::asio::ssl::context> tls;
  /// What verifies it, for messages.
  std::string trust;
  /// `https://host:port`, for messages and logs: never a credential.
  std::string name;
  /// The key of idle plain connections to it in a shard's upstream_pool (never a container id,
  /// which has no space).
  std::string pool_key;
  /// `Host` and the injected credentials, as head lines ending in CRLF. Never logged.
  std::string fixed_fields;
  /// Requests in flight to it now.
  mutable std::atomic<int> in_flight{0};

  /// Takes one of max_connections; false when all are taken.
  bool try_take() const;
  void give_back() const;
};

/// The target of `model`'s fallback, or an error naming `models.<model>.fallback`'s key when the
/// TLS context cannot be made (a CA file that is no PEM bundle).
result<std::shared_ptr<const fallback_target>> make_fallback_target(const std::string& model,
                                                                    const fallback_config& config);

} // namespace janus::http
