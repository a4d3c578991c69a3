#include "apps/janusd/platform_bridge.hpp"

#include <unistd.h>

namespace janus {

platform_bridge::platform_bridge(http::platform_server& server) : server_(server) {
}

std::map<std::string, std::string> platform_bridge::prepare(const platform_owner& owner,
                                                            std::uint16_t port) {
  auto grant = server_.grant_for(port);
  std::lock_guard lock{mutex_};
  tokens_.insert_or_assign(owner.name, grant.token);
  return std::move(grant.env);
}

std::optional<error_info> platform_bridge::serve(const platform_owner& owner,
                                                 const std::map<std::string, std::string>& env,
                                                 int listen_fd) {
  std::string token;
  {
    std::lock_guard lock{mutex_};
    if (auto kept = tokens_.find(owner.name); kept != tokens_.end()) {
      token = kept->second;
    }
  }
  if (token.empty()) {
    if (auto held = env.find("JANUS_LLM_API_KEY"); held != env.end()) {
      token = held->second;
    }
  }
  if (token.empty()) {
    ::close(listen_fd);
    return error_info{errc::no_capacity,
                      "holds no platform token (JANUS_LLM_API_KEY), so its endpoint cannot be "
                      "served"};
  }
  auto opened = server_.open_on(endpoint_owner{owner.model, owner.name}, listen_fd,
                                std::move(token));
  if (!opened) {
    return error_info{errc::no_capacity, "has no platform endpoint: " + opened.error().message};
  }
  return std::nullopt;
}

void platform_bridge::close(const std::string& name) {
  server_.close(name);
  std::lock_guard lock{mutex_};
  tokens_.erase(name);
}

} // namespace janus
