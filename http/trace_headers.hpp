#pragma once

#include <boost/beast/http/fields.hpp>

#include <algorithm>
#include <array>
#include <iterator>

#include "http/trace_context.hpp"

namespace janus::http {

/// The next hop of the trace context a request's head carries (see next_hop). Two `traceparent`
/// fields make it invalid (a new trace starts); several `tracestate` fields are one list, joined
/// with ',' as RFC 9110 combines them, and dropped whole when that exceeds the bounds.
inline trace_context next_hop_of(const boost::beast::http::fields& head) {
  auto parents = head.equal_range("traceparent");
  if (parents.first == parents.second || std::next(parents.first) != parents.second) {
    return next_hop({}, {});
  }
  std::array<char, trace_context::max_tracestate_bytes + 1> joined{};
  std::size_t size = 0;
  bool fits = true;
  auto states = head.equal_range("tracestate");
  for (auto it = states.first; it != states.second && fits; ++it) {
    auto value = it->value();
    std::size_t needed = value.size() + (size > 0 ? 1 : 0);
    if (size + needed > trace_context::max_tracestate_bytes) {
      fits = false;
      break;
    }
    if (size > 0) {
      joined[size++] = ',';
    }
    std::copy(value.begin(), value.end(), joined.begin() + static_cast<std::ptrdiff_t>(size));
    size += value.size();
  }
  auto parent = parents.first->value();
  return next_hop({parent.data(), parent.size()},
                  fits ? std::string_view{joined.data(), size} : std::string_view{});
}

} // namespace janus::http
