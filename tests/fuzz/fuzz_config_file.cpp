// The YAML config file (model/config.cpp parse_config) on any bytes: a config_error or a valid
// config. It also checks the nesting count against yaml-cpp itself: whatever the count lets
// through must never reach yaml-cpp's own recursion guard (500 levels).

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/yaml.h>

#include <string>

#include "model/config.hpp"
#include "model/yaml_depth.hpp"
#include "tests/fuzz/property.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const std::string text{fuzz::text_of(data, size)};
  try {
    const auto parsed = parse_config(text);
    fuzz::require(!parsed.models.empty(), "an accepted config has a model");
  } catch (const config_error&) {
    // The expected refusal; anything else escaping is a finding.
  }
  if (!find_excess_nesting(text, 128)) {
    try {
      YAML::Load(text);
    } catch (const YAML::DeepRecursion&) {
      fuzz::require(false, "a text within 128 levels never trips yaml-cpp's 500-level guard");
    } catch (const YAML::Exception&) {
      // A syntax error: the loader reports it.
    }
  }
  return 0;
}
