// Container output as janusd reads it: a Docker log stream through docker_log_frames
// (runtime/docker_log_frames.cpp), each stream's bytes through a line_cutter
// (runtime/line_cutter.hpp), as for a process child's pipes. Feeding in pieces gives the same
// lines as the whole input; no line is empty, holds a newline or is longer than the limit; the
// parser holds no more than its limit, whatever the input.

#include <string>
#include <utility>
#include <vector>

#include "runtime/docker_log_frames.hpp"
#include "runtime/line_cutter.hpp"
#include "tests/fuzz/property.hpp"

namespace {

constexpr std::size_t max_line = 64;

struct result {
  std::vector<std::pair<std::string, bool>> lines[2];
  bool broken = false;
};

template <class Next>
result read_all(std::string_view input, Next next_length) {
  using namespace janus;
  docker_log_frames frames;
  line_cutter out{max_line};
  line_cutter err{max_line};
  result got;
  for (std::size_t at = 0; at < input.size();) {
    auto piece = input.substr(at, next_length());
    at += piece.size();
    got.broken = !frames.feed(piece, [&](log_stream stream, std::string_view bytes) {
      auto index = stream == log_stream::stderr_stream ? 1 : 0;
      (index ? err : out).feed(bytes, [&](std::string_view line, bool cut) {
        got.lines[index].emplace_back(line, cut);
      });
      fuzz::require(out.pending() <= max_line && err.pending() <= max_line,
                    "an incomplete line is held to the limit");
    });
  }
  out.finish([&](std::string_view line, bool cut) { got.lines[0].emplace_back(line, cut); });
  err.finish([&](std::string_view line, bool cut) { got.lines[1].emplace_back(line, cut); });
  return got;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  auto input = fuzz::text_of(data, size);
  auto whole = read_all(input, [&] { return input.size() + 1; });
  fuzz::piece_lengths lengths{input};
  auto pieces = read_all(input, [&] { return lengths.next(); });
  auto bytes = read_all(input, [] { return std::size_t{1}; });
  fuzz::require(pieces.broken == whole.broken && bytes.broken == whole.broken,
                "pieces break the stream where the whole does");
  for (int s = 0; s < 2; ++s) {
    fuzz::require(pieces.lines[s] == whole.lines[s] && bytes.lines[s] == whole.lines[s],
                  "pieces give the same lines as the whole stream");
    for (const auto& [line, cut] : whole.lines[s]) {
      fuzz::require(!line.empty(), "no line is empty");
      fuzz::require(line.size() <= max_line, "no line is longer than the limit");
      fuzz::require(line.find('\n') == std::string::npos, "no line holds a newline");
    }
  }
  return 0;
}
