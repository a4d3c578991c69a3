// http/trace_headers.hpp: a request head's trace context and first fields, found in one pass
// over its fields. One traceparent is continued, two start a new trace; tracestate fields join
// in their order and go whole past the bound; names match in any case.

#include "http/trace_headers.hpp"

#include <boost/beast/http/fields.hpp>

#include <gtest/gtest.h>

#include <string>

namespace janus::http {
namespace {

constexpr std::string_view valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string text(const auto& chars) {
  return std::string{chars.data(), chars.size()};
}

boost::beast::http::fields head_with(
  std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  boost::beast::http::fields head;
  head.insert(boost::beast::http::field::host, "janusd");
  head.insert(boost::beast::http::field::content_type, "application/json");
  for (const auto& [name, value] : fields) {
    head.insert(name, value);
  }
  return head;
}

TEST(trace_headers, one_traceparent_is_continued_with_the_tracestate_fields_joined_in_order) {
  auto hop = next_hop_of(head_with({{"tracestate", "a=1"}, {"TraceParent", valid},
                                    {"x-other", "y"}, {"TRACESTATE", "b=2"}}));
  EXPECT_TRUE(hop.continued);
  EXPECT_EQ(text(hop.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(hop.tracestate(), "a=1,b=2");
}

TEST(trace_headers, no_traceparent_or_two_start_a_new_trace_without_tracestate) {
  auto none = next_hop_of(head_with({{"tracestate", "a=1"}}));
  EXPECT_FALSE(none.continued);
  EXPECT_EQ(none.tracestate(), "");
  auto two = next_hop_of(head_with({{"traceparent", valid}, {"traceparent", valid}}));
  EXPECT_FALSE(two.continued);
  EXPECT_NE(text(two.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(trace_headers, tracestate_past_its_bound_is_dropped_whole_and_the_parent_kept) {
  std::string half(trace_context::max_tracestate_bytes / 2, 'k');
  half.replace(0, 2, "a=");
  auto hop = next_hop_of(head_with({{"traceparent", valid}, {"tracestate", half},
                                    {"tracestate", half}, {"tracestate", "c=3"}}));
  EXPECT_TRUE(hop.continued);
  EXPECT_EQ(hop.tracestate(), "");
  auto fits = next_hop_of(head_with({{"traceparent", valid}, {"tracestate", half}}));
  EXPECT_EQ(fits.tracestate(), half);
}

TEST(trace_headers, first_field_is_the_first_value_of_a_name_in_any_case_or_nothing) {
  auto head = head_with({{"X-Request-Id", "first"}, {"x-request-id", "second"}});
  EXPECT_EQ(first_field(head, "x-request-id"), "first");
  EXPECT_EQ(first_field(head, "X-REQUEST-ID"), "first");
  EXPECT_EQ(first_field(head, "host"), "janusd");
  EXPECT_EQ(first_field(head, "x-request"), "");
  EXPECT_EQ(first_field(head_with({}), "x-request-id"), "");
}

} // namespace
} // namespace janus::http
