#pragma once

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/docker_starts.hpp"
#include "runtime/docker_state.hpp"

/// The Docker runtime's prepared containers (runtime::prepare): containers created ahead for the
/// next starts of their model, so that a cold start pays the engine's start and the readiness
/// only. Each is created as a start would create it (name, labels, environment, its own platform
/// grant), is kept per model with the generation of its spec and the id of its image, and is
/// taken by the next start whose spec and image match; one that does not match is removed, never
/// started. They are this run's (docker_state::owns) until removed: the events stream and the
/// re-list leave them alone, and the runtime's end removes what is left. An earlier run's
/// prepared containers are not adopted: reconciliation removes them as it removes every
/// container that is not running, and the new run prepares its own (one create, off the request
/// path), instead of checking and re-granting a container that no request waits for.
namespace janus::docker {

/// Makes sure `ahead` containers of `spec` are prepared (after removing the model's prepared
/// ones that do not run what `spec` runs); `on_done` runs once with how many are prepared now,
/// or why a create failed. A missing image is pulled first as a start would pull it (`always`
/// counts as `if_not_present` here: the start pulls). Runs on the state's io_context.
void prepare_containers(const std::shared_ptr<docker_state>& state, container_spec spec, int ahead,
                        runtime::prepare_handler on_done);

/// Removes every prepared container of `model`; prepares under way remove what they make.
void discard_prepared(const std::shared_ptr<docker_state>& state, const std::string& model);

/// A prepared container a start takes, and the phases of taking it: `image` (reading the image's
/// id, to know that it is still the one the container was created from) and the `prepared`
/// marker (0 ms: the create was done ahead).
struct taken_prepared {
  created_container container;
  std::vector<start_phase> phases;
};

/// The oldest prepared container of `spec`'s model that runs what `spec` runs on the image the
/// engine has now under `spec.image`; the ones before it that do not are removed. Nothing when
/// the model has none (then no call is made).
boost::asio::awaitable<std::optional<taken_prepared>> take_prepared(
  std::shared_ptr<docker_state> state, container_spec spec);

} // namespace janus::docker
