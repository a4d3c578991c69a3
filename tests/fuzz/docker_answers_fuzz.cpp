// libFuzzer target: every reader of the Docker engine's answers (runtime/docker_api.hpp) on
// arbitrary bytes: inspect (state, process, network mode, environment), list, create, image
// (id, entrypoint, cmd), info (runtimes), events, error bodies. None may crash, hang or recurse
// on input depth (RapidJSON parses iteratively). Seed corpus: corpus/docker_answers/.

#include "runtime/docker_api.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  using namespace janus::docker;
  (void)parse_inspect(text);
  (void)parse_list(text);
  (void)parse_created(text);
  (void)parse_image_id(text);
  if (auto image = parse_image_config(text)) {
    janus::container_spec spec;
    spec.image = "fuzz";
    (void)program_of(spec, image.value());
  }
  (void)parse_runtimes(text);
  (void)parse_event(text);
  (void)error_message(500, text);
  return 0;
}
