#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace janus::metrics {
namespace {

std::string render(const registry& reg) {
  std::string out;
  reg.render(out);
  return out;
}

TEST(metrics_registry, a_counter_family_renders_help_type_and_one_sample_per_child) {
  registry reg{4};
  auto& requests = reg.add_counter("janus_requests_total", "Requests answered.", {"model", "code"});
  requests.with({"m", "200"}).inc();
  requests.with({"m", "200"}).inc(2);
  requests.with({"m", "404"}).inc();
  EXPECT_EQ(render(reg),
            "# HELP janus_requests_total Requests answered.\n"
            "# TYPE janus_requests_total counter\n"
            "janus_requests_total{model=\"m\",code=\"200\"} 3\n"
            "janus_requests_total{model=\"m\",code=\"404\"} 1\n");
}

TEST(metrics_registry, a_family_without_children_renders_nothing) {
  registry reg{4};
  reg.add_counter("janus_rejected_requests_total", "Refused.", {"model", "reason"});
  EXPECT_EQ(render(reg), "");
}

TEST(metrics_registry, a_metric_without_labels_has_no_braces) {
  registry reg{4};
  reg.add_gauge("janus_up", "Whether it runs.").with({}).set(1);
  EXPECT_EQ(render(reg), "# HELP janus_up Whether it runs.\n# TYPE janus_up gauge\njanus_up 1\n");
}

TEST(metrics_registry, gauges_are_set_and_added) {
  registry reg{4};
  auto& g = reg.add_gauge("g", "A gauge.", {"model"}).with({"m"});
  g.set(2.5);
  g.add(-1);
  EXPECT_DOUBLE_EQ(g.value(), 1.5);
  EXPECT_NE(render(reg).find("g{model=\"m\"} 1.5\n"), std::string::npos);
}

TEST(metrics_registry, label_values_and_help_are_escaped) {
  registry reg{4};
  reg.add_counter("c_total", "Help with \\ and\nnewline.", {"model"})
    .with({"a\"b\\c\nd"})
    .inc();
  auto text = render(reg);
  EXPECT_NE(text.find("# HELP c_total Help with \\\\ and\\nnewline.\n"), std::string::npos) << text;
  EXPECT_NE(text.find("c_total{model=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
}

TEST(metrics_registry, a_histogram_renders_cumulative_buckets_inf_sum_and_count) {
  registry reg{4};
  auto& h = reg.add_histogram("wait_seconds", "Waits.", {"model"}, {0.01, 0.1, 1}).with({"m"});
  h.observe(0.005);
  h.observe(0.01); // on a bound: counted in that bucket (le)
  h.observe(0.5);
  h.observe(7);
  EXPECT_EQ(render(reg),
            "# HELP wait_seconds Waits.\n"
            "# TYPE wait_seconds histogram\n"
            "wait_seconds_bucket{model=\"m\",le=\"0.01\"} 2\n"
            "wait_seconds_bucket{model=\"m\",le=\"0.1\"} 2\n"
            "wait_seconds_bucket{model=\"m\",le=\"1\"} 3\n"
            "wait_seconds_bucket{model=\"m\",le=\"+Inf\"} 4\n"
            "wait_seconds_sum{model=\"m\"} 7.515\n"
            "wait_seconds_count{model=\"m\"} 4\n");
}

TEST(metrics_registry, a_histogram_ignores_nan) {
  histogram h{{1}, 2};
  h.observe(std::nan(""));
  h.observe(0.5);
  auto snap = h.collect();
  EXPECT_EQ(snap.count, 1u);
  EXPECT_DOUBLE_EQ(snap.sum, 0.5);
}

TEST(metrics_registry, families_render_in_registration_order_and_children_by_label_values) {
  registry reg{4};
  auto& b = reg.add_counter("b_total", "B.", {"model"});
  auto& a = reg.add_counter("a_total", "A.", {"model"});
  b.with({"z"}).inc();
  b.with({"y"}).inc();
  a.with({"x"}).inc();
  auto text = render(reg);
  EXPECT_LT(text.find("b_total{model=\"y\"}"), text.find("b_total{model=\"z\"}"));
  EXPECT_LT(text.find("b_total"), text.find("a_total"));
}

TEST(metrics_registry, resolving_the_same_labels_twice_gives_the_same_child) {
  registry reg{4};
  auto& f = reg.add_counter("c_total", "C.", {"model"});
  EXPECT_EQ(&f.with({"m"}), &f.with({"m"}));
  EXPECT_NE(&f.with({"m"}), &f.with({"n"}));
  EXPECT_EQ(f.size(), 2u);
}

TEST(metrics_registry, registering_a_name_again_returns_the_family_or_throws_on_a_clash) {
  registry reg{4};
  auto& first = reg.add_counter("c_total", "C.", {"model"});
  EXPECT_EQ(&first, &reg.add_counter("c_total", "C.", {"model"}));
  EXPECT_THROW(reg.add_counter("c_total", "C.", {"code"}), std::invalid_argument);
  EXPECT_THROW(reg.add_gauge("c_total", "C.", {"model"}), std::invalid_argument);
  reg.add_histogram("h_seconds", "H.", {}, {1, 2});
  EXPECT_THROW(reg.add_histogram("h_seconds", "H.", {}, {1, 3}), std::invalid_argument);
}

TEST(metrics_registry, bad_names_labels_and_buckets_are_refused) {
  registry reg{4};
  EXPECT_THROW(reg.add_counter("1abc", "x"), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("a-b", "x"), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("ok_total", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("ok_total", "x", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(reg.add_histogram("h", "x", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(reg.add_histogram("h", "x", {}, {2, 1}), std::invalid_argument);
  EXPECT_THROW(reg.add_histogram("h", "x", {}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(reg.add_histogram("h", "x", {}, {1, INFINITY}), std::invalid_argument);
  auto& f = reg.add_counter("ok_total", "x", {"a", "b"});
  EXPECT_THROW(f.with({"only one"}), std::invalid_argument);
  EXPECT_TRUE(is_metric_name("janus:ratio_total"));
  EXPECT_TRUE(is_label_name("_x9"));
}

TEST(metrics_registry, updates_from_many_threads_are_all_counted) {
  registry reg{4};
  auto& c = reg.add_counter("c_total", "C.").with({});
  auto& h = reg.add_histogram("h", "H.", {}, {0.5}).with({});
  constexpr int threads = 6;
  constexpr int per_thread = 100000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        c.inc();
        h.observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  EXPECT_EQ(c.value(), std::uint64_t{threads} * per_thread);
  auto snap = h.collect();
  EXPECT_EQ(snap.count, std::uint64_t{threads} * per_thread);
  EXPECT_EQ(snap.cumulative[0], std::uint64_t{threads} * per_thread / 2);
  EXPECT_DOUBLE_EQ(snap.sum, threads * (per_thread / 2) * 1.25);
}

TEST(metrics_registry, stripe_counts_are_powers_of_two) {
  EXPECT_EQ(stripes_for(0), 1u);
  EXPECT_EQ(stripes_for(3), 4u);
  EXPECT_EQ(stripes_for(8), 8u);
  auto d = default_stripes();
  EXPECT_GE(d, 4u);
  EXPECT_LE(d, 64u);
  EXPECT_EQ(d & (d - 1), 0u);
}

} // namespace
} // namespace janus::metrics
