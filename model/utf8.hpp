#pragma once

#include <cstddef>
#include <string>
#include <string_view>

/// UTF-8 checks for text that janusd echoes (model names in error bodies and log lines, the
/// Docker engine's messages): strict RFC 3629, so no overlong form, no surrogate (U+D800 to
/// U+DFFF, which a JSON `\udc00` escape decodes to) and nothing above U+10FFFF.
namespace janus {

/// Whether `text` is valid UTF-8. Runs of ASCII are checked 8 bytes at a time, so a chat body
/// costs about 0.1 ns a byte.
bool is_valid_utf8(std::string_view text) noexcept;

/// The offset of the first byte of `text` that does not belong to a valid sequence, or npos.
std::size_t invalid_utf8_offset(std::string_view text) noexcept;

/// `text` with every byte that does not belong to a valid sequence replaced by U+FFFD; valid
/// text is returned unchanged.
std::string to_valid_utf8(std::string_view text);

/// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a valid
/// multi-byte sequence (a sequence is never cut in two).
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) noexcept;

} // namespace janus
