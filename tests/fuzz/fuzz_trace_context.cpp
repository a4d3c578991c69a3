// W3C trace context (http/trace_context.cpp): the first byte splits the input into a traceparent
// and a tracestate. Whatever arrives, the next hop has a well-formed context: ids of lower-case
// hex and not all zeros, a traceparent that parses back, a tracestate within its bounds (printable ASCII and
// the list's white space) and only
// when the traceparent was valid; a valid traceparent's trace id and flags are kept.

#include <algorithm>
#include <string>

#include "http/trace_context.hpp"
#include "tests/fuzz/property.hpp"

namespace {

bool lower_hex_not_zero(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos
         && s.find_first_not_of('0') != std::string_view::npos;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  auto input = fuzz::text_of(data, size);
  std::size_t cut = input.empty() ? 0 : std::min<std::size_t>(static_cast<unsigned char>(input[0]), input.size() - 1);
  auto traceparent = input.empty() ? input : input.substr(1, cut);
  auto tracestate = input.empty() ? input : input.substr(1 + cut);

  auto parts = http::parse_traceparent(traceparent);
  auto hop = http::next_hop(traceparent, tracestate);
  fuzz::require(lower_hex_not_zero(hop.trace_id_text()), "a trace id is hex and not all zeros");
  fuzz::require(lower_hex_not_zero(hop.span_id_text()), "a span id is hex and not all zeros");
  fuzz::require(hop.continued == parts.has_value(), "only a valid traceparent is continued");
  auto out = hop.outgoing_traceparent();
  auto again = http::parse_traceparent({out.data(), out.size()});
  fuzz::require(again.has_value(), "the traceparent sent on parses");
  fuzz::require(std::equal(again->trace_id.begin(), again->trace_id.end(), hop.trace_id.begin()),
                "the traceparent sent on carries the trace id");
  fuzz::require(std::equal(again->parent_id.begin(), again->parent_id.end(), hop.span_id.begin()),
                "the traceparent sent on names janusd's span as parent");
  if (parts) {
    fuzz::require(parts->trace_id == hop.trace_id && parts->flags == hop.flags,
                  "a continued trace keeps its id and flags");
  }
  auto state = hop.tracestate();
  fuzz::require(state.size() <= http::trace_context::max_tracestate_bytes,
                "a forwarded tracestate is bounded");
  fuzz::require(hop.continued || state.empty(), "a new trace forwards no tracestate");
  fuzz::require(state.empty() || http::forwardable_tracestate(state),
                "a forwarded tracestate is forwardable");
  for (char c : state) {
    fuzz::require((c >= 0x20 && c <= 0x7e) || c == '\t',
                  "a forwarded tracestate is printable ASCII (tabs as the list's optional white space)");
  }
  return 0;
}
