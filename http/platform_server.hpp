#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "metrics/registry.hpp"
#include "model/platform_config.hpp"
#include "model/platform_endpoints.hpp"

namespace janus::http {

class platform_context;
class platform_endpoint;
struct platform_shared;

/// The platform server: every container's platform endpoint (Spec 95 FR-5). Each endpoint is
/// one listening socket bound to one container, so whatever arrives on it is that container's
/// call. Runs on its own I/O threads (`platform.threads`), apart from the HTTP facade's
/// shards: platform calls wait on slow outside services and TLS handshakes, and must go on
/// while the facade drains. An endpoint and its connections stay on one thread.
///
/// open() and close() are safe from any thread and never wait for the network: the listener
/// exists (and queues connections) when open() returns, before the container starts.
class platform_server final : public platform_endpoints {
public:
  /// Builds the routes' TLS contexts; throws std::runtime_error for a CA file that cannot load.
  platform_server(platform_config cfg, metrics::registry& registry);

  /// Closes every endpoint and stops the threads.
  ~platform_server() override;

  platform_server(const platform_server&) = delete;
  platform_server& operator=(const platform_server&) = delete;

  /// Starts the I/O threads.
  void start();

  result<platform_grant> open(const endpoint_owner& owner) override;

  result<platform_grant> open_on(const endpoint_owner& owner, int listen_fd) override;

  void close(const std::string& container) override;

  /// A new token and the container contract's variables for an endpoint that will listen on
  /// `port` and is opened later with open_on(owner, fd, token): for a container that needs its
  /// variables at create time, before the namespace its listener is made in exists (isolated
  /// Docker containers).
  platform_grant grant_for(std::uint16_t port) const;

  /// open_on() for a container that holds `token` already (from grant_for(), or from an earlier
  /// run of janusd that made the container): the endpoint accepts that token only.
  result<platform_grant> open_on(const endpoint_owner& owner, int listen_fd, std::string token);

  /// Endpoints open now.
  std::size_t endpoint_count() const;

  /// Takes the platform series of `model` off the page (a removed model whose last container
  /// is gone).
  void remove_model_metrics(std::string_view model);

private:
  /// `token` empty: a new one.
  result<platform_grant> open_endpoint(const endpoint_owner& owner, int listen_fd,
                                       std::string token);

  std::unique_ptr<platform_shared> shared_;
  std::vector<std::unique_ptr<platform_context>> contexts_;
  std::atomic<std::size_t> next_context_{0};
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<platform_endpoint>> endpoints_;
};

/// A new random token of 256 bits, as 64 hex digits (getrandom).
std::string new_platform_token();

} // namespace janus::http
