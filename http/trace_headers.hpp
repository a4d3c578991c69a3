#pragma once

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/fields.hpp>

#include <algorithm>
#include <array>
#include <string_view>

#include "http/trace_context.hpp"

namespace janus::http {

/// The value of the first `name` field of `head` (empty when there is none): one pass over the
/// fields comparing sizes first, cheaper for a request's handful of fields than a search of
/// Beast's tree by name (its name lookup, then case-insensitive compares down the tree).
inline std::string_view first_field(const boost::beast::http::fields& head,
                                    std::string_view name) {
  for (const auto& f : head) {
    if (boost::beast::iequals(f.name_string(), name)) {
      return f.value();
    }
  }
  return {};
}

/// The next hop of the trace context a request's head carries (see next_hop). Two `traceparent`
/// fields make it invalid (a new trace starts); several `tracestate` fields are one list, joined
/// with ',' in their order, as RFC 9110 combines them, and dropped whole when that exceeds the
/// bounds. One pass over the fields (see first_field).
inline trace_context next_hop_of(const boost::beast::http::fields& head) {
  std::string_view parent;
  int parents = 0;
  std::array<char, trace_context::max_tracestate_bytes + 1> joined{};
  std::size_t size = 0;
  bool fits = true;
  for (const auto& f : head) {
    auto name = f.name_string();
    if (boost::beast::iequals(name, "traceparent")) {
      parent = f.value();
      ++parents;
    } else if (fits && boost::beast::iequals(name, "tracestate")) {
      auto value = f.value();
      std::size_t needed = value.size() + (size > 0 ? 1 : 0);
      if (size + needed > trace_context::max_tracestate_bytes) {
        fits = false;
        continue;
      }
      if (size > 0) {
        joined[size++] = ',';
      }
      std::copy(value.begin(), value.end(), joined.begin() + static_cast<std::ptrdiff_t>(size));
      size += value.size();
    }
  }
  if (parents != 1) {
    return next_hop({}, {});
  }
  return next_hop({parent.data(), parent.size()},
                  fits ? std::string_view{joined.data(), size} : std::string_view{});
}

} // namespace janus::http
