#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

/// What every fuzz target shares: the input as text, and a property check that turns a broken
/// property into a crash libFuzzer keeps (an abort, like a sanitizer finding).
namespace janus::fuzz {

/// The fuzzer's bytes as a string_view.
inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Aborts, naming the property, when `holds` is false.
inline void require(bool holds, const char* property) {
  if (!holds) {
    std::fprintf(stderr, "fuzz property broken: %s\n", property);
    std::abort();
  }
}

/// Cut points for feeding `size` bytes in pieces, derived from the input itself so that a crash
/// reproduces: piece lengths cycle through 1, 2, 3, 5, 8, ... bytes, shifted by the first byte.
class piece_lengths {
public:
  explicit piece_lengths(std::string_view input)
    : step_(input.empty() ? 0 : static_cast<unsigned char>(input.front()) % 7) {
  }

  std::size_t next() {
    static constexpr std::size_t lengths[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 4096};
    return lengths[step_++ % (sizeof lengths / sizeof lengths[0])];
  }

private:
  std::size_t step_;
};

} // namespace janus::fuzz
