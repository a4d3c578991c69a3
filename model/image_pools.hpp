#pragma once

#include <cstddef>
#include <string_view>

#include "model/config.hpp"
#include "model/result.hpp"

namespace janus {

/// Whether a request may make a pool for a model name that is not configured
/// (`docker.model_as_image`), and from what: the name must be a valid image reference
/// (parse_image_ref), allowed by `admin.limits.allowed_images`, and fewer than
/// `docker.max_image_pools` such pools may exist. The pool's model is `docker.image_pool_template`
/// with that name and image. Errors: `unknown_model` (not enabled, not a reference, not allowed:
/// the name stays unknown, and the message says why) or `no_capacity` (as many image pools as
/// allowed exist), each naming the key that decides.
result<model_config> image_pool_model(std::string_view name, const docker_config& docker,
                                      const admin_limits& limits, std::size_t image_pools);

} // namespace janus
