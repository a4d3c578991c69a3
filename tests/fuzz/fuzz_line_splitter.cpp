// The runtime's line splitter (runtime/line_splitter.cpp): bounded by max_line whatever the
// bytes, and splitting the input into pieces never changes the lines.

#include <string>
#include <vector>

#include "runtime/line_splitter.hpp"
#include "tests/fuzz/property.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const auto input = fuzz::text_of(data, size);
  // A small limit, so that long lines are common; it varies with the input's length.
  const std::size_t max_line = 1 + size % 97;

  line_splitter whole{max_line};
  const auto at_once = whole.feed(input);

  line_splitter pieces{max_line};
  std::vector<std::string> split;
  fuzz::piece_lengths lengths{input};
  for (auto rest = input; !rest.empty();) {
    const auto piece = rest.substr(0, lengths.next());
    rest.remove_prefix(piece.size());
    for (auto& line : pieces.feed(piece)) {
      split.push_back(std::move(line));
    }
    fuzz::require(pieces.pending() <= max_line, "an incomplete line is held to max_line");
  }
  fuzz::require(split == at_once, "pieces split like the whole input");
  fuzz::require(pieces.discarded() == whole.discarded(), "pieces discard like the whole input");
  fuzz::require(pieces.pending() == whole.pending(), "pieces keep what the whole input keeps");
  for (const auto& line : at_once) {
    fuzz::require(!line.empty(), "no empty line");
    fuzz::require(line.size() <= max_line, "no line longer than max_line");
    fuzz::require(line.find('\n') == std::string::npos, "no newline inside a line");
  }
  return 0;
}
