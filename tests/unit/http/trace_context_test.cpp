#include "http/trace_context.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace janus::http {
namespace {

constexpr std::string_view valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string text(const auto& chars) {
  return std::string{chars.data(), chars.size()};
}

bool lower_hex(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

TEST(trace_context, a_valid_version_00_traceparent_is_read_in_its_parts) {
  auto parts = parse_traceparent(valid);
  ASSERT_TRUE(parts);
  EXPECT_EQ(text(parts->trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(text(parts->parent_id), "00f067aa0ba902b7");
  EXPECT_EQ(text(parts->flags), "01");
  EXPECT_TRUE(parse_traceparent("  " + std::string{valid} + "\t"));
}

TEST(trace_context, a_traceparent_that_breaks_the_format_is_refused) {
  std::string upper{valid};
  upper[5] = 'F';
  EXPECT_FALSE(parse_traceparent(upper)) << "upper-case hex";
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"))
    << "all-zero trace id";
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"))
    << "all-zero parent id";
  EXPECT_FALSE(parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
    << "version ff";
  EXPECT_FALSE(parse_traceparent(std::string{valid} + "-extra")) << "version 00 with more";
  EXPECT_FALSE(parse_traceparent(valid.substr(0, 54))) << "one digit short";
  EXPECT_FALSE(parse_traceparent("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g"));
  EXPECT_FALSE(parse_traceparent(""));
}

TEST(trace_context, a_higher_version_is_read_by_its_version_00_prefix) {
  auto later = "01" + std::string{valid.substr(2)};
  EXPECT_TRUE(parse_traceparent(later));
  EXPECT_TRUE(parse_traceparent(later + "-what-comes-later"));
  EXPECT_FALSE(parse_traceparent(later + "x")) << "the prefix must end at a '-'";
}

TEST(trace_context, the_next_hop_keeps_the_trace_and_flags_and_takes_a_new_span) {
  auto hop = next_hop(valid, "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7");
  EXPECT_TRUE(hop.continued);
  EXPECT_EQ(hop.trace_id_text(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(hop.parent_id_text(), "00f067aa0ba902b7");
  EXPECT_NE(hop.span_id_text(), "00f067aa0ba902b7");
  EXPECT_TRUE(lower_hex(hop.span_id_text()));
  EXPECT_EQ(hop.tracestate(), "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7");
  auto out = text(hop.outgoing_traceparent());
  EXPECT_EQ(out, "00-4bf92f3577b34da6a3ce929d0e0e4736-" + std::string{hop.span_id_text()} + "-01");
  EXPECT_TRUE(parse_traceparent(out));
}

TEST(trace_context, without_a_valid_traceparent_a_new_trace_starts_and_tracestate_is_dropped) {
  for (std::string_view given : {std::string_view{}, std::string_view{"garbage"},
                                 std::string_view{"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}}) {
    auto hop = next_hop(given, "congo=t61rcWkgMzE");
    EXPECT_FALSE(hop.continued) << given;
    EXPECT_TRUE(lower_hex(hop.trace_id_text())) << given;
    EXPECT_NE(hop.trace_id_text(), std::string(32, '0'));
    EXPECT_EQ(hop.parent_id_text(), std::string(16, '0'));
    EXPECT_EQ(hop.tracestate(), "");
    EXPECT_EQ(text(hop.flags), "01");
    EXPECT_TRUE(parse_traceparent(text(hop.outgoing_traceparent())));
  }
}

TEST(trace_context, new_ids_differ_from_hop_to_hop) {
  std::set<std::string> traces;
  std::set<std::string> spans;
  for (int i = 0; i < 1000; ++i) {
    auto hop = next_hop({}, {});
    traces.emplace(hop.trace_id_text());
    spans.emplace(hop.span_id_text());
  }
  EXPECT_EQ(traces.size(), 1000u);
  EXPECT_EQ(spans.size(), 1000u);
}

TEST(trace_context, a_tracestate_past_its_bounds_or_malformed_is_not_forwarded) {
  EXPECT_TRUE(forwardable_tracestate("a=1,b=2"));
  EXPECT_TRUE(forwardable_tracestate("a=1,,b=2")) << "empty members are allowed";
  std::string members;
  for (int i = 0; i < 32; ++i) {
    members += (i ? "," : "") + std::string{"k"} + std::to_string(i) + "=v";
  }
  EXPECT_TRUE(forwardable_tracestate(members));
  EXPECT_FALSE(forwardable_tracestate(members + ",k32=v")) << "33 members";
  EXPECT_FALSE(forwardable_tracestate("a=" + std::string(511, 'x'))) << "513 bytes";
  EXPECT_TRUE(forwardable_tracestate("a=" + std::string(510, 'x'))) << "512 bytes";
  EXPECT_FALSE(forwardable_tracestate("novalue"));
  EXPECT_FALSE(forwardable_tracestate("=v"));
  EXPECT_FALSE(forwardable_tracestate("a=\x01"));
  auto hop = next_hop(valid, "a=" + std::string(511, 'x'));
  EXPECT_TRUE(hop.continued) << "a bad tracestate does not break the trace";
  EXPECT_EQ(hop.tracestate(), "");
}

} // namespace
} // namespace janus::http
