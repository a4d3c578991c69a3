#pragma once

#include <memory>
#include <string>

#include "http/platform_server.hpp"
#include "model/config.hpp"
#include "runtime/docker_runtime.hpp"
#include "runtime/netns_factory.hpp"

namespace janus {

/// Whether any container of `cfg` may be isolated: a configured model, or one that the admin
/// API adds with the engine's default network.
bool uses_isolation(const config& cfg);

/// janus-init on the host: `docker.init`, or janus-init beside the running executable (janusd's,
/// or janus-check's: an install puts them in one directory).
std::string init_path_of(const docker_config& docker);

/// What the Docker runtime needs for isolated containers, as janusd runs them: janus-init, the
/// socket factory `sockets`, and endpoints on `platform` (which must outlive the runtime). Throws
/// config_error naming the key when isolated containers cannot work here (janus-init missing, no
/// privilege to switch namespaces). janusd and janus-check both start containers through it.
docker_isolation isolation_for(const config& cfg, std::shared_ptr<netns_factory> sockets,
                               http::platform_server& platform);

} // namespace janus
