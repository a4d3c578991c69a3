#include "apps/janusd/docker_isolation.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "apps/janusd/platform_bridge.hpp"

namespace janus {

bool uses_isolation(const config& cfg) {
  return cfg.docker.network == network_mode::isolated
         || std::any_of(cfg.models.begin(), cfg.models.end(), [](const model_config& model) {
              return model.network == network_mode::isolated;
            });
}

std::string init_path_of(const docker_config& docker) {
  if (!docker.init.empty()) {
    return docker.init;
  }
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string{"janus-init"} : (self.parent_path() / "janus-init").string();
}

docker_isolation isolation_for(const config& cfg, std::shared_ptr<netns_factory> sockets,
                               http::platform_server& platform) {
  docker_isolation isolation;
  isolation.options.platform_port = cfg.platform.port;
  isolation.options.init_path = init_path_of(cfg.docker);
  // janus-init waits while janusd inspects the started container (one Engine API call) and
  // makes its endpoint.
  isolation.options.init_wait = cfg.docker.call_timeout + std::chrono::seconds(5);
  isolation.options.log_max_size = cfg.docker.log_max_size;
  isolation.options.log_max_files = cfg.docker.log_max_files;
  if (uses_isolation(cfg)) {
    const auto& path = isolation.options.init_path;
    if (::access(path.c_str(), X_OK) != 0) {
      throw config_error("docker.init: isolated containers start with janus-init, and " + path
                         + " is not an executable file (" + std::strerror(errno)
                         + "); build it (scripts/build.sh janus-init) or set docker.init");
    }
    if (auto refused = sockets->check()) {
      throw config_error("docker.network: isolated containers need janusd to make sockets in "
                         "their network namespaces: "
                         + refused->message + " (or set network: bridge)");
    }
    isolation.platform = std::make_shared<platform_bridge>(platform);
  }
  isolation.sockets = std::move(sockets);
  return isolation;
}

} // namespace janus
