#pragma once

#include <string_view>

namespace janus::logging {

// How an event travels through spdlog: the message, then per field a unit separator, the key,
// a kind separator and the value. Plain spdlog calls (no separators) are a message alone.
//
//     message US key RS string-value US key GS number-value ...

inline constexpr char field_separator = '\x1f';
inline constexpr char string_kind = '\x1e';
inline constexpr char number_kind = '\x1d';

/// One decoded field.
struct field_view {
  std::string_view key;
  std::string_view value;
  bool is_number = false;
};

/// The message part of a payload.
inline std::string_view message_of(std::string_view payload) {
  return payload.substr(0, payload.find(field_separator));
}

/// Calls `visit(field_view)` for each field of a payload, in order.
template <class Visit>
void for_each_field(std::string_view payload, Visit visit) {
  auto at = payload.find(field_separator);
  while (at != std::string_view::npos) {
    auto next = payload.find(field_separator, at + 1);
    auto part = payload.substr(at + 1, next == std::string_view::npos ? next : next - at - 1);
    std::size_t kind = 0;
    while (kind < part.size() && part[kind] != string_kind && part[kind] != number_kind) {
      ++kind;
    }
    if (kind < part.size()) {
      visit(field_view{part.substr(0, kind), part.substr(kind + 1), part[kind] == number_kind});
    }
    at = next;
  }
}

} // namespace janus::logging
