#pragma once

#include <string_view>

namespace janus {

/// Whether `c` is HTTP's optional white space: SP or HTAB (RFC 9110 5.6.3).
constexpr bool is_ows(char c) noexcept {
  return c == ' ' || c == '\t';
}

/// `text` without the optional white space around it: a field value, a list element, a
/// parameter as HTTP reads them.
constexpr std::string_view trim_ows(std::string_view text) noexcept {
  while (!text.empty() && is_ows(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_ows(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

} // namespace janus
