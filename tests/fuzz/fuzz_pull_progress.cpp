// An image pull's progress stream as the Docker runtime reads it (runtime/docker_images.cpp):
// bytes in arbitrary pieces through the line splitter, each line into pull_progress.

#include <string>

#include "runtime/line_splitter.hpp"
#include "runtime/pull_progress.hpp"
#include "tests/fuzz/property.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  auto stream = fuzz::text_of(data, size);
  fuzz::piece_lengths lengths{stream};
  line_splitter lines{docker::max_pull_line};
  docker::pull_progress progress;
  while (!stream.empty()) {
    const auto piece = stream.substr(0, lengths.next());
    stream.remove_prefix(piece.size());
    for (const auto& line : lines.feed(piece)) {
      progress.feed(line);
    }
  }
  fuzz::require(progress.layers() <= docker::max_pull_layers, "the layers tracked are bounded");
  fuzz::require(progress.layers_done() <= progress.layers(), "a done layer was announced");
  fuzz::require(progress.malformed() <= progress.lines(), "malformed lines are lines");
  fuzz::require(progress.error().size() <= 515, "an error is at most 512 bytes and ...");
  return 0;
}
