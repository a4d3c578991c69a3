#pragma once

#include <string>
#include <vector>

#include "model/config.hpp"

/// What a configuration reload (SIGHUP) changes, decided from the running engine and the file
/// read again: a pure function of the two, apart from any I/O (docs/operations.md, "Reloading
/// the configuration").
namespace janus {

/// The models a reload adds, restarts with new settings, removes and leaves alone.
struct model_reload_plan {
  /// Models that do not run now, in the order they are wanted.
  std::vector<model_config> added;
  /// Models that run with settings that differ in any field: their new settings.
  std::vector<model_config> changed;
  /// Models that run and are not wanted any more.
  std::vector<std::string> removed;
  /// Models that run with exactly the wanted settings: nothing of theirs is touched.
  std::vector<std::string> unchanged;

  /// Whether the reload changes no model.
  bool empty() const noexcept {
    return added.empty() && changed.empty() && removed.empty();
  }
};

/// The plan that turns the `running` models into the `wanted` ones. Models are matched by
/// name and compared field by field (the parsed settings, not the text); `removed` and
/// `unchanged` keep the running order.
model_reload_plan plan_model_reload(const std::vector<model_config>& running,
                                    const std::vector<model_config>& wanted);

/// The keys other than `models` whose value differs between the running configuration and the
/// one read again, e.g. `server.port`, `admin.limits.max_memory`, `platform.routes`: a reload
/// keeps their running values, and they take effect at the next start.
std::vector<std::string> keys_needing_restart(const config& running, const config& loaded);

} // namespace janus
