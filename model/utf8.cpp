#include "model/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace janus {

namespace {

/// The length of the valid sequence at the start of `text`, 0 when none starts there.
std::size_t sequence_length(std::string_view text) noexcept {
  auto byte = [text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) {
    return 1;
  }
  std::size_t length = 0;
  // The range the second byte must be in: narrower after E0, ED, F0 and F4, which is how
  // overlong forms, surrogates and code points above U+10FFFF are excluded.
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    low = lead == 0xE0 ? 0xA0 : 0x80;
    high = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    low = lead == 0xF0 ? 0x90 : 0x80;
    high = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) {
    return 0;
  }
  for (std::size_t i = 2; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      return 0;
    }
  }
  return length;
}

constexpr std::string_view replacement = "\xEF\xBF\xBD";

} // namespace

std::size_t invalid_utf8_offset(std::string_view text) noexcept {
  constexpr std::uint64_t high_bits = 0x8080808080808080ULL;
  std::size_t at = 0;
  while (at < text.size()) {
    if (text.size() - at >= sizeof(std::uint64_t)) {
      std::uint64_t word = 0;
      std::memcpy(&word, text.data() + at, sizeof word);
      if ((word & high_bits) == 0) {
        at += sizeof word;
        continue;
      }
    }
    const std::size_t length = sequence_length(text.substr(at));
    if (length == 0) {
      return at;
    }
    at += length;
  }
  return std::string_view::npos;
}

bool is_valid_utf8(std::string_view text) noexcept {
  return invalid_utf8_offset(text) == std::string_view::npos;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const std::size_t length = sequence_length(text);
    if (length == 0) {
      out.append(replacement);
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, length));
      text.remove_prefix(length);
    }
  }
  return out;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.size() <= max_bytes) {
    return text;
  }
  std::size_t end = 0;
  while (end < max_bytes) {
    const std::size_t length = sequence_length(text.substr(end));
    const std::size_t step = length == 0 ? 1 : length;
    if (end + step > max_bytes) {
      break;
    }
    end += step;
  }
  return text.substr(0, end);
}

} // namespace janus
