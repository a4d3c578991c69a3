#pragma once

#include <string>

#include "model/config.hpp"

namespace janus::test {

/// The message of the config_error that parsing `yaml` throws, or "<no error>".
inline std::string config_error_of(const std::string& yaml) {
  try {
    parse_config(yaml);
  } catch (const config_error& error) {
    return error.what();
  }
  return "<no error>";
}

} // namespace janus::test
