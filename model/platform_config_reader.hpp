#pragma once

#include "model/platform_config.hpp"
#include "model/yaml_reader.hpp"

namespace janus {

/// Reads the `platform` section: the container contract's values, the endpoint's limits, the
/// routes (defaults overlaid with the file's, injected headers resolved from janusd's environment
/// or files) and the egress allowlist. Throws config_error naming the key.
platform_config read_platform_config(yaml_reader reader);

/// One entry of a `headers` mapping (a platform route's, a model's fallback's): a plain value or
/// `{env: NAME}`, `{file: PATH}`, `{value: TEXT}` with an optional `prefix`; the value resolved
/// now. Throws config_error naming `path.<name>`: a reserved header, a variable not set.
injected_header read_injected_header(const yaml_entry& entry, const std::string& path);

} // namespace janus
