#include "metrics/text_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace janus::metrics {
namespace {

std::string value_text(double v) {
  std::string out;
  append_value(out, v);
  return out;
}

TEST(metrics_text_format, values_are_the_shortest_exact_text_and_special_values_are_named) {
  EXPECT_EQ(value_text(0), "0");
  EXPECT_EQ(value_text(3), "3");
  EXPECT_EQ(value_text(0.001), "0.001");
  EXPECT_EQ(value_text(2.5e-7), "2.5e-07");
  EXPECT_EQ(value_text(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(value_text(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(value_text(std::nan("")), "NaN");
}

TEST(metrics_text_format, a_sample_with_an_extra_label_puts_it_last) {
  std::string out;
  label labels[] = {{"model", "m"}};
  append_sample(out, "h_bucket", labels, std::uint64_t{7}, label{"le", "0.5"});
  EXPECT_EQ(out, "h_bucket{model=\"m\",le=\"0.5\"} 7\n");
}

TEST(metrics_text_format, the_header_names_help_and_type) {
  std::string out;
  append_header(out, "x_total", "counter", "Counts x.");
  EXPECT_EQ(out, "# HELP x_total Counts x.\n# TYPE x_total counter\n");
}

} // namespace
} // namespace janus::metrics
