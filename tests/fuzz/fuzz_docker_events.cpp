// The Docker events stream as the runtime reads it (runtime/docker_runtime.cpp): bytes in
// arbitrary pieces through the line splitter, each line through parse_event.

#include <string>
#include <vector>

#include "runtime/docker_api.hpp"
#include "runtime/line_splitter.hpp"
#include "tests/fuzz/property.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  auto stream = fuzz::text_of(data, size);
  fuzz::piece_lengths lengths{stream};
  line_splitter lines{64 * 1024};
  while (!stream.empty()) {
    const auto piece = stream.substr(0, lengths.next());
    stream.remove_prefix(piece.size());
    for (const auto& line : lines.feed(piece)) {
      if (const auto event = docker::parse_event(line)) {
        fuzz::require(!event->action.empty() && !event->id.empty(),
                      "an event has an action and a container id");
        fuzz::require(!event->exit_code || *event->exit_code >= 0, "an exit code is not negative");
      }
    }
  }
  return 0;
}
