#pragma once

#include "model/fallback_config.hpp"
#include "model/yaml_reader.hpp"

namespace janus {

/// Reads a model's `upstream` (an upstream-only model) and `fallback` keys from the model's own
/// mapping; nothing when neither is there. Throws config_error naming the key:
/// `models.m.fallback.when[1]: ...`. Credentials (`api_key_env`, `headers`) are read from
/// janusd's environment now; a variable not set is an error.
fallback_config read_fallback_config(yaml_reader& model_reader);

} // namespace janus
