// The SSE frame scanner (http/sse_scanner.cpp): splitting the stream into pieces never changes
// what it sees, whatever the bytes.

#include "http/sse_scanner.hpp"
#include "tests/fuzz/property.hpp"

namespace {

struct observed {
  std::size_t completed = 0;
  std::size_t data_frames = 0;
  bool saw_error = false;
  bool saw_done = false;
  bool at_boundary = false;

  bool operator==(const observed&) const = default;
};

observed observe(const janus::http::sse_scanner& scanner, std::size_t completed) {
  return {completed, scanner.data_frames(), scanner.saw_error(), scanner.saw_done(),
          scanner.at_frame_boundary()};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const auto stream = fuzz::text_of(data, size);
  http::sse_scanner whole;
  const auto at_once = observe(whole, whole.feed(stream));
  fuzz::require(at_once.completed == at_once.data_frames, "feed returns the frames it completed");

  http::sse_scanner pieces;
  std::size_t completed = 0;
  fuzz::piece_lengths lengths{stream};
  for (auto rest = stream; !rest.empty();) {
    const auto piece = rest.substr(0, lengths.next());
    rest.remove_prefix(piece.size());
    completed += pieces.feed(piece);
  }
  fuzz::require(observe(pieces, completed) == at_once, "pieces scan like the whole stream");

  http::sse_scanner bytes;
  completed = 0;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    completed += bytes.feed(stream.substr(i, 1));
  }
  fuzz::require(observe(bytes, completed) == at_once, "byte by byte scans like the whole stream");
  return 0;
}
