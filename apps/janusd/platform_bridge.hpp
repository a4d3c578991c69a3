#pragma once

#include <map>
#include <mutex>
#include <string>

#include "http/platform_server.hpp"
#include "runtime/platform_listeners.hpp"

namespace janus {

/// The Docker runtime's isolated containers served by the platform server: prepare() draws a
/// container's token and variables before its create, serve() opens its endpoint on the
/// listener made inside its namespace, accepting that token only (an adopted container's own,
/// read from its variables, when janusd restarted), close() closes it. The endpoint is keyed
/// and logged by the container's name. Safe from any thread.
class platform_bridge final : public platform_listeners {
public:
  /// `server` outlives the bridge's users (the runtime closes its endpoints before it goes).
  explicit platform_bridge(http::platform_server& server);

  std::map<std::string, std::string> prepare(const platform_owner& owner,
                                             std::uint16_t port) override;

  std::optional<error_info> serve(const platform_owner& owner,
                                  const std::map<std::string, std::string>& env,
                                  int listen_fd) override;

  void close(const std::string& name) override;

private:
  http::platform_server& server_;
  std::mutex mutex_;
  /// Tokens drawn by prepare() whose endpoint is not closed yet, by container name.
  std::map<std::string, std::string> tokens_;
};

} // namespace janus
