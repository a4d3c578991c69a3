// A model added through the admin API (model/config.cpp parse_model_config: JSON or YAML through
// yaml-cpp) on any bytes: a config_error or a valid model, nothing else.

#include <string>

#include "model/config.hpp"
#include "tests/fuzz/property.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const std::string text{fuzz::text_of(data, size)};
  const std::string runtime = size % 2 == 0 ? "process" : "docker";
  docker_config docker;
  docker.model_as_image = size % 3 == 0;
  try {
    const auto model = parse_model_config(text, runtime, docker, 128);
    fuzz::require(!model.name.empty(), "an accepted model has a name");
    fuzz::require(model.min_warm >= 0 && model.min_warm <= model.max_containers,
                  "an accepted model has a valid pool size");
    fuzz::require(runtime != "process" || !model.command.empty(),
                  "a process model has a command");
    fuzz::require(runtime != "docker" || !model.image.empty(), "a docker model has an image");
  } catch (const config_error&) {
    // The expected refusal; anything else escaping is a finding.
  }
  return 0;
}
