#include "apps/janus-bench/outcome.hpp"

#include <gtest/gtest.h>

namespace janus::bench {
namespace {

TEST(bench_outcome, statuses_map_to_their_error_class) {
  EXPECT_EQ(classify_status(200, false), error_class::ok);
  EXPECT_EQ(classify_status(204, false), error_class::ok);
  EXPECT_EQ(classify_status(200, true), error_class::stream_error);
  EXPECT_EQ(classify_status(429, false), error_class::http_429);
  EXPECT_EQ(classify_status(400, true), error_class::http_4xx);
  EXPECT_EQ(classify_status(404, false), error_class::http_4xx);
  EXPECT_EQ(classify_status(302, false), error_class::http_4xx);
  EXPECT_EQ(classify_status(500, false), error_class::http_5xx);
  EXPECT_EQ(classify_status(503, true), error_class::http_5xx);
}

TEST(bench_outcome, every_class_has_its_report_name) {
  EXPECT_EQ(to_string(error_class::ok), "ok");
  EXPECT_EQ(to_string(error_class::connect_error), "connect_error");
  EXPECT_EQ(to_string(error_class::timeout), "timeout");
  EXPECT_EQ(to_string(error_class::http_4xx), "http_4xx");
  EXPECT_EQ(to_string(error_class::http_429), "http_429");
  EXPECT_EQ(to_string(error_class::http_5xx), "http_5xx");
  EXPECT_EQ(to_string(error_class::stream_error), "stream_error");
}

TEST(bench_outcome, start_kinds_are_read_from_the_header_in_any_case) {
  EXPECT_EQ(parse_start_kind("warm"), start_kind::warm);
  EXPECT_EQ(parse_start_kind("Prewarmed"), start_kind::prewarmed);
  EXPECT_EQ(parse_start_kind("COLD"), start_kind::cold);
  EXPECT_EQ(parse_start_kind("resumed"), start_kind::resumed);
  EXPECT_EQ(to_string(start_kind::resumed), "resumed");
  EXPECT_EQ(parse_start_kind(""), start_kind::none);
  EXPECT_EQ(parse_start_kind("lukewarm"), start_kind::other);
  EXPECT_EQ(to_string(start_kind::prewarmed), "prewarmed");
}

TEST(bench_outcome, a_start_kind_is_read_from_janusds_stream_comment_when_the_head_went_early) {
  EXPECT_EQ(start_kind_in_comment(": keep-alive\n\n: x-janus-container: m-1\n: x-janus-start: cold\n"
                                  ": x-janus-queue-ms: 1500\n\n"),
            start_kind::cold);
  EXPECT_EQ(start_kind_in_comment(": keep-alive\n\n"), start_kind::none);
  EXPECT_EQ(start_kind_in_comment(": x-janus-start: co"), start_kind::none) << "cut by the read";
  EXPECT_EQ(start_kind_in_comment("data: {}\n\n"), start_kind::none);
}

} // namespace
} // namespace janus::bench
