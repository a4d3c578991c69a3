#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/docker_api.hpp"
#include "runtime/docker_state.hpp"

/// The Docker runtime's reconciliation: once, at start-up, before the first start. It checks
/// that an engine answers (API 1.41 or newer), opens the events stream (so that nothing after
/// the list goes unnoticed), then lists what earlier runs with this engine id left: containers
/// that run what a new one of their model would run are offered for adoption, every other one is
/// removed.
namespace janus::docker {

/// Runs the reconciliation on the state's io_context; `on_done` runs once there.
void reconcile_containers(const std::shared_ptr<docker_state>& state,
                          std::vector<reconcile_entry> wanted,
                          runtime::reconcile_handler on_done);

/// Takes over a container that reconciliation offered (see runtime::adopt).
void adopt_container(docker_state& state, const container_info& container,
                     runtime::exit_handler on_exit);

/// The error for the first model of `wanted` whose runtime_class is not one of `known` (the
/// engine's runtimes): an invalid_config naming the key; nullopt when all are known. Pure.
std::optional<error_info> unknown_runtime(const std::vector<reconcile_entry>& wanted,
                                          const std::vector<std::string>& known);

/// Why container `c` of an earlier run cannot be adopted, in words for the log; empty when it
/// can. `options`: what this runtime creates containers with; `image_ids`: each model's image id as the engine has it now; `adopted_per_model`: how
/// many of each model's containers were taken already. Pure.
std::string why_not_adoptable(const container_state& c, const std::vector<reconcile_entry>& wanted,
                              const create_options& options,
                              const std::map<std::string, std::string>& image_ids,
                              const std::map<std::string, int>& adopted_per_model);

} // namespace janus::docker
