#pragma once

#include "model/platform_config.hpp"
#include "model/yaml_reader.hpp"

namespace janus {

/// Reads the `platform` section: the container contract's values, the endpoint's limits, the
/// routes (defaults overlaid with the file's, injected headers resolved from janusd's environment
/// or files) and the egress allowlist. Throws config_error naming the key.
platform_config read_platform_config(yaml_reader reader);

} // namespace janus
