#pragma once

#include <boost/asio/awaitable.hpp>

#include <memory>

#include "runtime/docker_state.hpp"

/// The Docker runtime's images: before a container's start, its image is made sure of as the
/// model's `pull` says (if_not_present: an inspect, then a pull when the engine lacks it;
/// always: a pull; never: nothing, the create says when it is missing). One pull per image runs
/// at a time and every start that needs it waits for that one; a pull has the deadline
/// `docker.pull_timeout`, sends X-Registry-Auth when `docker.registries` lists the image's
/// registry, and logs a few lines (start, progress every 10 s, end), never one per layer chunk.
/// A failed pull fails every start waiting for it with the image, the registry and the
/// registry's own words; a start of the same image within half a second after fails the same way
/// without asking again, so that pools retrying at once never make a tight loop (their own
/// start back-off spaces the rest). Everything runs on the state's io_context.
namespace janus::docker {

/// Makes sure the engine has `spec.image` as `spec.pull` says; `then` runs once, on the
/// io_context, with nothing or the failure (errc::no_capacity, naming the image).
void ensure_image(const std::shared_ptr<docker_state>& state, const container_spec& spec,
                  image_handler then);

/// What the engine has under `spec.image` now (`GET /images/{name}/json`, read afresh), put in
/// the cache of what isolated containers run (state->images) on the way. A missing image or an
/// answer that cannot be read is errc::no_capacity naming the image.
boost::asio::awaitable<result<image_config>> read_image_config(std::shared_ptr<docker_state> state,
                                                               container_spec spec);

/// The words of a start whose image the engine lacks: `daemon_says` is the engine's answer.
std::string missing_image(const container_spec& spec, const std::string& daemon_says);

} // namespace janus::docker
