#include "model/image_pools.hpp"

#include <algorithm>

#include "model/image_ref.hpp"

namespace janus {

namespace {

error_info unknown(std::string_view name, const std::string& why) {
  return error_info{errc::unknown_model,
                    "the model `" + std::string{name} + "` does not exist" + why};
}

} // namespace

result<model_config> image_pool_model(std::string_view name, const docker_config& docker,
                                      const admin_limits& limits, std::size_t image_pools) {
  if (!docker.model_as_image) {
    return unknown(name, "");
  }
  auto ref = parse_image_ref(name);
  if (!ref) {
    // The name is echoed only once it is known to be short and printable.
    return error_info{errc::unknown_model,
                      "the model does not exist, and its name is " + ref.error().message
                        + " (docker.model_as_image)"};
  }
  if (!limits.allowed_images.empty()
      && std::none_of(limits.allowed_images.begin(), limits.allowed_images.end(),
                      [&](const std::string& prefix) { return name.starts_with(prefix); })) {
    return unknown(name, ", and as an image it does not start with a prefix of "
                         "admin.limits.allowed_images");
  }
  if (image_pools >= static_cast<std::size_t>(docker.max_image_pools)) {
    return error_info{errc::no_capacity,
                      "the model `" + std::string{name} + "` has no pool and "
                        + std::to_string(docker.max_image_pools)
                        + " pools of images named by requests exist already "
                          "(docker.max_image_pools); try again when one has gone idle",
                      5};
  }
  model_config out = docker.image_pool_template;
  out.name = std::string{name};
  out.image = std::string{name};
  return out;
}

} // namespace janus
