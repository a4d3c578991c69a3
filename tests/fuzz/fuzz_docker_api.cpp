// The Docker Engine API answers (runtime/docker_api.cpp): container inspect, list, create, image
// inspect and error bodies, all read from the same bytes. A malformed answer is an error value.

#include <string>

#include "model/utf8.hpp"
#include "runtime/docker_api.hpp"
#include "tests/fuzz/property.hpp"

namespace {

void check_state(const janus::docker::container_state& state) {
  janus::fuzz::require(!state.id.empty(), "a container read has an id");
  janus::fuzz::require(!state.host_port || *state.host_port != 0, "a host port is never 0");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const auto answer = fuzz::text_of(data, size);
  if (const auto inspected = docker::parse_inspect(answer)) {
    check_state(inspected.value());
  } else {
    fuzz::require(inspected.error().code == errc::internal, "a bad answer is an internal error");
  }
  if (const auto listed = docker::parse_list(answer)) {
    for (const auto& state : listed.value()) {
      check_state(state);
    }
  }
  if (const auto created = docker::parse_created(answer)) {
    fuzz::require(!created.value().empty(), "a created id is not empty");
  }
  if (const auto image = docker::parse_image_id(answer)) {
    fuzz::require(!image.value().empty(), "an image id is not empty");
  }
  const auto message = docker::error_message(500, answer);
  fuzz::require(is_valid_utf8(message), "the daemon's message is valid UTF-8");
  fuzz::require(message.size() <= 512 + 3, "the daemon's message is at most 512 bytes and ...");
  fuzz::require(!message.empty(), "the daemon's message is never empty");
  return 0;
}
