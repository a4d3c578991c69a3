#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

/// The child count of family `name` as a scrape sees it (0 when it renders nothing).
std::size_t children(const registry& reg, const std::string& name) {
  for (const auto& f : reg.collect()) {
    if (f.name == name) {
      return f.metric.size();
    }
  }
  return 0;
}

TEST(metrics_registry, a_counter_family_renders_help_type_and_one_sample_per_child) {
  registry reg{4};
  auto& requests =
    reg.add_striped_counter("janus_requests_total", "Requests answered.", {"model", "code"});
  requests.with({"m", "200"})->inc();
  requests.with({"m", "200"})->inc(2);
  requests.with({"m", "404"})->inc();
  EXPECT_EQ(render(reg),
            "# HELP janus_requests_total Requests answered.\n"
            "# TYPE janus_requests_total counter\n"
            "janus_requests_total{model=\"m\",code=\"200\"} 3\n"
            "janus_requests_total{model=\"m\",code=\"404\"} 1\n");
}

TEST(metrics_registry, a_family_without_children_renders_nothing) {
  registry reg{4};
  reg.add_striped_counter("janus_rejected_requests_total", "Refused.", {"model", "reason"});
  reg.add_counter("janus_container_starts_total", "Starts.");
  EXPECT_EQ(render(reg), "");
}

TEST(metrics_registry, a_metric_without_labels_has_no_braces) {
  registry reg{4};
  reg.add_striped_counter("janus_things_total", "Things.").with({})->inc();
  reg.add_gauge("janus_up", "Whether it runs.").Add({}).Set(1);
  EXPECT_EQ(render(reg),
            "# HELP janus_things_total Things.\n# TYPE janus_things_total counter\n"
            "janus_things_total 1\n"
            "# HELP janus_up Whether it runs.\n# TYPE janus_up gauge\njanus_up 1\n");
}

TEST(metrics_registry, label_values_are_escaped) {
  registry reg{4};
  reg.add_striped_counter("c_total", "C.", {"model"}).with({"a\"b\\c\nd"})->inc();
  reg.add_counter("p_total", "P.").Add({{"model", "x\"y"}}).Increment();
  auto text = render(reg);
  EXPECT_NE(text.find("c_total{model=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("p_total{model=\"x\\\"y\"} 1\n"), std::string::npos) << text;
}

TEST(metrics_registry, a_help_text_prometheus_cpp_would_write_unescaped_is_refused) {
  registry reg{4};
  EXPECT_THROW(reg.add_striped_counter("c_total", "Two\nlines."), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("d_total", "A \\ backslash."), std::invalid_argument);
}

TEST(metrics_registry, a_histogram_renders_count_sum_and_cumulative_buckets_up_to_inf) {
  registry reg{4};
  auto h = reg.add_striped_histogram("wait_seconds", "Waits.", {"model"}, {0.01, 0.1, 1}).with({"m"});
  h->observe(0.005);
  h->observe(0.01); // on a bound: counted in that bucket (le)
  h->observe(0.5);
  h->observe(7);
  // prometheus-cpp's order: _count, _sum, then the buckets.
  EXPECT_EQ(render(reg),
            "# HELP wait_seconds Waits.\n"
            "# TYPE wait_seconds histogram\n"
            "wait_seconds_count{model=\"m\"} 4\n"
            "wait_seconds_sum{model=\"m\"} 7.515\n"
            "wait_seconds_bucket{model=\"m\",le=\"0.01\"} 2\n"
            "wait_seconds_bucket{model=\"m\",le=\"0.1\"} 2\n"
            "wait_seconds_bucket{model=\"m\",le=\"1\"} 3\n"
            "wait_seconds_bucket{model=\"m\",le=\"+Inf\"} 4\n");
}

TEST(metrics_registry, a_prometheus_cpp_histogram_renders_the_same_way) {
  registry reg{4};
  auto& h = reg.add_histogram("start_seconds", "Starts.")
              .Add({{"model", "m"}}, prometheus::Histogram::BucketBoundaries{0.01, 0.1, 1});
  for (double v : {0.005, 0.01, 0.5, 7.0}) {
    h.Observe(v);
  }
  EXPECT_EQ(render(reg),
            "# HELP start_seconds Starts.\n"
            "# TYPE start_seconds histogram\n"
            "start_seconds_count{model=\"m\"} 4\n"
            "start_seconds_sum{model=\"m\"} 7.515\n"
            "start_seconds_bucket{model=\"m\",le=\"0.01\"} 2\n"
            "start_seconds_bucket{model=\"m\",le=\"0.1\"} 2\n"
            "start_seconds_bucket{model=\"m\",le=\"1\"} 3\n"
            "start_seconds_bucket{model=\"m\",le=\"+Inf\"} 4\n");
}

TEST(metrics_registry, a_histogram_ignores_nan) {
  histogram h{{1}, 2};
  h.observe(std::nan(""));
  h.observe(0.5);
  auto snap = h.collect();
  EXPECT_EQ(snap.count, 1u);
  EXPECT_DOUBLE_EQ(snap.sum, 0.5);
}

TEST(metrics_registry, striped_families_come_first_in_registration_order_and_children_sorted) {
  registry reg{4};
  auto& control = reg.add_counter("c_total", "C.");
  auto& b = reg.add_striped_counter("b_total", "B.", {"model"});
  auto& a = reg.add_striped_counter("a_total", "A.", {"model"});
  for (const char* name : {"z", "y", "x", "w"}) {
    control.Add({{"model", name}}).Increment();
  }
  b.with({"z"})->inc();
  b.with({"y"})->inc();
  a.with({"x"})->inc();
  auto text = render(reg);
  EXPECT_LT(text.find("b_total{model=\"y\"}"), text.find("b_total{model=\"z\"}"));
  EXPECT_LT(text.find("b_total"), text.find("a_total"));
  EXPECT_LT(text.find("a_total"), text.find("c_total"));
  EXPECT_NE(text.find("c_total{model=\"w\"} 1\nc_total{model=\"x\"} 1\nc_total{model=\"y\"} 1\n"
                      "c_total{model=\"z\"} 1\n"),
            std::string::npos)
    << "prometheus-cpp's children in label order, whatever its hash map holds\n"
    << text;
}

TEST(metrics_registry, resolving_the_same_labels_twice_gives_the_same_child) {
  registry reg{4};
  auto& f = reg.add_striped_counter("c_total", "C.", {"model"});
  EXPECT_EQ(f.with({"m"}), f.with({"m"}));
  EXPECT_NE(f.with({"m"}), f.with({"n"}));
  EXPECT_EQ(f.size(), 2u);
}

TEST(metrics_registry, removed_children_leave_the_page_and_a_held_one_stays_usable) {
  registry reg{4};
  auto& f = reg.add_striped_counter("c_total", "C.", {"model", "code"});
  f.with({"keep", "200"})->inc();
  auto held = f.with({"gone", "200"});
  f.with({"gone", "404"})->inc();
  EXPECT_EQ(f.remove_where("model", "gone"), 2u);
  held->inc(); // a holder (a request in flight) may still update it
  EXPECT_EQ(held->value(), 1u);
  EXPECT_EQ(f.size(), 1u);
  auto text = render(reg);
  EXPECT_EQ(text.find("gone"), std::string::npos) << text;
  EXPECT_NE(text.find("c_total{model=\"keep\",code=\"200\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(children(reg, "c_total"), 1u);
  EXPECT_THROW(f.remove_where("no_such_label", "x"), std::invalid_argument);
}

TEST(metrics_registry, registering_a_name_again_returns_the_family_or_throws_on_a_clash) {
  registry reg{4};
  auto& first = reg.add_striped_counter("c_total", "C.", {"model"});
  EXPECT_EQ(&first, &reg.add_striped_counter("c_total", "C.", {"model"}));
  EXPECT_THROW(reg.add_striped_counter("c_total", "C.", {"code"}), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("c_total", "C."), std::invalid_argument)
    << "one name space for both kinds";
  auto& control = reg.add_counter("p_total", "P.");
  EXPECT_EQ(&control, &reg.add_counter("p_total", "P."));
  EXPECT_THROW(reg.add_gauge("p_total", "P."), std::invalid_argument);
  EXPECT_THROW(reg.add_striped_counter("p_total", "P."), std::invalid_argument);
  reg.add_striped_histogram("h_seconds", "H.", {}, {1, 2});
  EXPECT_THROW(reg.add_striped_histogram("h_seconds", "H.", {}, {1, 3}), std::invalid_argument);
}

TEST(metrics_registry, bad_names_labels_and_buckets_are_refused) {
  registry reg{4};
  EXPECT_THROW(reg.add_striped_counter("1abc", "x"), std::invalid_argument);
  EXPECT_THROW(reg.add_striped_counter("a-b", "x"), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("a-b", "x"), std::invalid_argument);
  EXPECT_THROW(reg.add_striped_counter("ok_total", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(reg.add_striped_counter("ok_total", "x", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(reg.add_striped_histogram("h", "x", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(reg.add_striped_histogram("h", "x", {}, {2, 1}), std::invalid_argument);
  EXPECT_THROW(reg.add_striped_histogram("h", "x", {}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(reg.add_striped_histogram("h", "x", {}, {1, INFINITY}), std::invalid_argument);
  auto& f = reg.add_striped_counter("ok_total", "x", {"a", "b"});
  EXPECT_THROW(f.with({"only one"}), std::invalid_argument);
  EXPECT_NO_THROW(reg.add_striped_counter("janus:ratio_total", "x", {"_x9"}));
}

TEST(metrics_registry, updates_from_many_threads_are_all_counted) {
  registry reg{4};
  auto c = reg.add_striped_counter("c_total", "C.").with({});
  auto h = reg.add_striped_histogram("h", "H.", {}, {0.5}).with({});
  constexpr int threads = 6;
  constexpr int per_thread = 100000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        c->inc();
        h->observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  EXPECT_EQ(c->value(), std::uint64_t{threads} * per_thread);
  auto snap = h->collect();
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

TEST(metrics_registry, values_are_written_exactly_and_special_values_are_named) {
  registry reg{4};
  auto& g = reg.add_gauge("g", "G.");
  g.Add({{"v", "a"}}).Set(0.001);
  g.Add({{"v", "b"}}).Set(2.5e-7);
  g.Add({{"v", "c"}}).Set(1712345678.25);
  g.Add({{"v", "d"}}).Set(-INFINITY);
  auto text = render(reg);
  EXPECT_NE(text.find("g{v=\"a\"} 0.001\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{v=\"b\"} 2.5e-07\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{v=\"c\"} 1712345678.25\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{v=\"d\"} -Inf\n"), std::string::npos) << text;
}

/// The path of promtool, empty when it is not installed.
std::string promtool() {
  for (const char* candidate : {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
    if (::access(candidate, X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

TEST(metrics_registry, promtool_accepts_the_rendered_text) {
  auto tool = promtool();
  if (tool.empty()) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string{ci} == "true") {
      FAIL() << "promtool is not installed (apt-get install prometheus); CI requires it";
    }
    GTEST_SKIP() << "promtool is not installed (apt-get install prometheus)";
  }
  registry reg{4};
  auto& requests = reg.add_striped_counter("janus_requests_total", "Requests.", {"model", "code"});
  requests.with({"m", "200"})->inc(5);
  requests.with({"we\"ird\\na\nme", "other"})->inc();
  auto h = reg.add_striped_histogram("janus_wait_seconds", "Waits.", {"model"}, {0.001, 0.5, 60})
             .with({"m"});
  h->observe(0.2);
  h->observe(100);
  reg.add_counter("janus_container_starts_total", "Starts.")
    .Add({{"model", "m"}, {"result", "ok"}})
    .Increment();
  reg.add_histogram("janus_container_start_duration_seconds", "Start time.")
    .Add({{"model", "m"}}, prometheus::Histogram::BucketBoundaries{0.01, 1})
    .Observe(0.3);
  reg.add_gauge("janus_pool_min_warm", "Minimum.").Add({{"model", "m"}}).Set(2);
  auto file = std::filesystem::temp_directory_path()
              / ("janus-metrics-" + std::to_string(::getpid()) + ".txt");
  std::ofstream{file} << render(reg);
  // Bounded: promtool gets 20 s.
  auto command = "timeout 20 " + tool + " check metrics < " + file.string() + " 2>&1";
  std::string output;
  auto* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    output += buffer;
  }
  auto status = ::pclose(pipe);
  std::filesystem::remove(file);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output << "\n" << render(reg);
}

} // namespace
} // namespace janus::metrics
