#include "http/request_metrics.hpp"

#include <gtest/gtest.h>

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "http/request_summary.hpp"
#include "metrics/registry.hpp"

namespace janus::http {
namespace {

using namespace std::chrono_literals;

class request_counting : public ::testing::Test {
protected:
  request_counting() {
    spdlog::set_level(spdlog::level::off); // report() also logs its line
  }

  std::string page() const {
    std::string out;
    registry_.render(out);
    return out;
  }

  bool has(const std::string& line) const {
    return page().find(line + "\n") != std::string::npos;
  }

  /// Children of every request family, as a scrape reads them.
  std::size_t series() const {
    std::size_t n = 0;
    for (const auto& f : registry_.collect()) {
      n += f.metric.size();
    }
    return n;
  }

  metrics::registry registry_{2};
  request_metrics requests_{registry_, {"alpha", "org/beta"}};
};

TEST_F(request_counting, configured_models_have_their_own_label_and_others_share_unknown) {
  EXPECT_EQ(requests_.of("alpha")->label(), "alpha");
  EXPECT_EQ(requests_.of("org/beta")->label(), "org/beta");
  EXPECT_EQ(requests_.of("anything a client sends").get(), &requests_.unknown());
  EXPECT_EQ(requests_.unknown().label(), "_unknown");
}

TEST_F(request_counting, a_model_added_at_run_time_gets_its_own_label_and_old_handles_stay) {
  auto alpha = requests_.of("alpha");
  EXPECT_EQ(requests_.of("gamma").get(), &requests_.unknown());
  EXPECT_TRUE(requests_.add_model("gamma"));
  EXPECT_FALSE(requests_.add_model("gamma")) << "a second registration changes nothing";
  EXPECT_EQ(requests_.of("gamma")->label(), "gamma");
  EXPECT_EQ(requests_.of("alpha").get(), alpha.get()) << "existing handles survive the new table";
  requests_.of("gamma")->count_request(200);
  EXPECT_TRUE(has(R"(janus_requests_total{model="gamma",code="200"} 1)")) << page();
}

TEST_F(request_counting, requests_are_counted_by_status_code_including_odd_ones) {
  auto alpha = requests_.of("alpha");
  alpha->count_request(200);
  alpha->count_request(200);
  alpha->count_request(502);
  alpha->count_request(499);
  alpha->count_request(42);
  EXPECT_TRUE(has(R"(janus_requests_total{model="alpha",code="200"} 2)")) << page();
  EXPECT_TRUE(has(R"(janus_requests_total{model="alpha",code="502"} 1)"));
  EXPECT_TRUE(has(R"(janus_requests_total{model="alpha",code="499"} 1)"));
  EXPECT_TRUE(has(R"(janus_requests_total{model="alpha",code="other"} 1)"));
}

TEST_F(request_counting, a_lease_counts_its_kind_and_queue_wait) {
  auto beta = requests_.of("org/beta");
  beta->count_lease(start_kind::cold, 1500ms);
  beta->count_lease(start_kind::warm, 0us);
  EXPECT_TRUE(has(R"(janus_request_starts_total{model="org/beta",kind="cold"} 1)")) << page();
  EXPECT_TRUE(has(R"(janus_request_starts_total{model="org/beta",kind="warm"} 1)"));
  EXPECT_TRUE(has(R"(janus_request_starts_total{model="org/beta",kind="prewarmed"} 0)"));
  EXPECT_TRUE(has(R"(janus_request_starts_total{model="org/beta",kind="resumed"} 0)"));
  EXPECT_TRUE(has(R"(janus_queue_wait_seconds_bucket{model="org/beta",le="1"} 1)"));
  EXPECT_TRUE(has(R"(janus_queue_wait_seconds_bucket{model="org/beta",le="2.5"} 2)"));
  EXPECT_TRUE(has(R"(janus_queue_wait_seconds_sum{model="org/beta"} 1.5)"));
}

TEST_F(request_counting, the_unknown_label_has_no_lease_metrics) {
  EXPECT_EQ(page().find(R"(janus_queue_wait_seconds_count{model="_unknown"})"), std::string::npos)
    << page();
  EXPECT_EQ(page().find(R"(janus_request_starts_total{model="_unknown")"), std::string::npos);
  requests_.unknown().count_lease(start_kind::warm, 1ms); // ignored, not a crash
  requests_.unknown().count_retry();
}

TEST_F(request_counting, a_report_counts_the_request_its_timings_and_a_rejection) {
  request_summary refused;
  refused.request_id = "r1";
  refused.model = "nope";
  refused.status = 429;
  refused.outcome = "rejected";
  refused.error = errc::queue_full;
  refused.total = 2ms;
  report(refused, requests_.of("alpha").get());

  request_summary served;
  served.request_id = "r2";
  served.model = "alpha";
  served.status = 200;
  served.outcome = "ok";
  served.attempts = 1;
  served.start = start_kind::warm;
  served.first_token = 30ms;
  served.total = 400ms;
  report(served, requests_.of("alpha").get());

  EXPECT_TRUE(has(R"(janus_requests_total{model="alpha",code="429"} 1)")) << page();
  EXPECT_TRUE(has(R"(janus_rejected_requests_total{model="alpha",reason="queue_full"} 1)"));
  EXPECT_TRUE(has(R"(janus_request_duration_seconds_count{model="alpha"} 2)"));
  EXPECT_TRUE(has(R"(janus_time_to_first_token_seconds_count{model="alpha"} 1)"));
  EXPECT_TRUE(has(R"(janus_time_to_first_token_seconds_bucket{model="alpha",le="0.05"} 1)"));
}

// -- removal -------------------------------------------------------------------------------

TEST_F(request_counting, a_removed_model_leaves_the_page_and_its_requests_count_as_unknown) {
  requests_.of("alpha")->count_request(200);
  requests_.of("alpha")->count_rejection(errc::queue_full);
  ASSERT_NE(page().find(R"(model="alpha")"), std::string::npos);
  EXPECT_TRUE(requests_.remove_model("alpha"));
  EXPECT_FALSE(requests_.remove_model("alpha")) << "removed once";
  EXPECT_EQ(page().find("alpha"), std::string::npos) << page();
  EXPECT_EQ(requests_.of("alpha").get(), &requests_.unknown());
  EXPECT_TRUE(has(R"(janus_request_duration_seconds_count{model="org/beta"} 0)"))
    << "the other model is untouched\n"
    << page();
}

TEST_F(request_counting, a_request_in_flight_keeps_its_handles_through_the_removal) {
  auto in_flight = requests_.of("alpha");
  in_flight->count_request(200);
  requests_.remove_model("alpha");
  for (int i = 0; i < 3; ++i) {
    requests_.reclaim();
  }
  EXPECT_GE(requests_.retired(), 1u) << "the held handles are not freed";
  // Its updates land on series nobody renders, and a code seen for the first time makes none.
  in_flight->count_request(200);
  in_flight->count_request(504);
  in_flight->count_rejection(errc::no_capacity);
  in_flight->count_lease(start_kind::warm, 1ms);
  in_flight->observe_duration(5ms);
  in_flight->observe_first_token(1ms);
  in_flight->count_retry();
  EXPECT_EQ(page().find("alpha"), std::string::npos) << page();
  EXPECT_EQ(in_flight->label(), "alpha");
  in_flight = request_metrics::handle{}; // the request ends
  requests_.reclaim();
  EXPECT_EQ(requests_.retired(), 0u);
}

TEST_F(request_counting, a_name_added_again_after_its_removal_starts_from_zero) {
  requests_.of("alpha")->count_request(200);
  requests_.remove_model("alpha");
  EXPECT_TRUE(requests_.add_model("alpha"));
  EXPECT_TRUE(has(R"(janus_request_duration_seconds_count{model="alpha"} 0)")) << page();
  EXPECT_EQ(page().find(R"(janus_requests_total{model="alpha")"), std::string::npos) << page();
  requests_.of("alpha")->count_request(200);
  EXPECT_TRUE(has(R"(janus_requests_total{model="alpha",code="200"} 1)")) << page();
}

TEST_F(request_counting, models_added_and_removed_many_times_leave_no_series_and_no_memory) {
  auto baseline_series = series();
  auto cycle = [&](int i) {
    // The same name again and again, and a new name each time.
    for (const auto& name : {std::string{"again"}, "new-" + std::to_string(i)}) {
      ASSERT_TRUE(requests_.add_model(name));
      auto request = requests_.of(name);
      request->count_request(200);
      request->count_request(static_cast<unsigned>(400 + i % 100));
      request->count_rejection(errc::queue_timeout);
      request->count_lease(start_kind::cold, 2ms);
      request->observe_duration(9ms);
      ASSERT_TRUE(requests_.remove_model(name));
    }
  };
  for (int i = 0; i < 200; ++i) {
    cycle(i); // warms the allocator's free lists
  }
  requests_.reclaim();
  auto heap_before = ::mallinfo2().uordblks;
  for (int i = 200; i < 2200; ++i) {
    cycle(i);
  }
  requests_.reclaim();
  auto heap_after = ::mallinfo2().uordblks;
  EXPECT_EQ(requests_.retired(), 0u);
  EXPECT_EQ(series(), baseline_series);
  auto text = page();
  EXPECT_EQ(text.find(R"(model="again")"), std::string::npos) << text;
  EXPECT_EQ(text.find(R"(model="new-)"), std::string::npos) << text;
  // 2,000 cycles of two models each: a kept handle (several KB) or table per cycle would show.
  EXPECT_LT(heap_after, heap_before + 64 * 1024)
    << "heap in use grew from " << heap_before << " to " << heap_after << " bytes";
}

TEST_F(request_counting, requests_on_other_threads_count_safely_while_models_come_and_go) {
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> served{0};
  std::vector<std::thread> io_threads;
  for (int t = 0; t < 2; ++t) {
    io_threads.emplace_back([&, t] {
      std::uint64_t i = 0;
      while (!stop) {
        auto name = (i++ + t) % 3 == 0 ? std::string{"alpha"} : "churn-" + std::to_string(i % 4);
        auto request = requests_.of(name);
        request->count_lease(start_kind::warm, 1us);
        request->count_request(static_cast<unsigned>(200 + i % 7));
        request->observe_duration(3ms);
        ++served;
      }
    });
  }
  auto end = std::chrono::steady_clock::now() + 300ms;
  for (int i = 0; std::chrono::steady_clock::now() < end; ++i) {
    auto name = "churn-" + std::to_string(i % 4);
    requests_.add_model(name);
    requests_.remove_model(name);
    if (i % 8 == 0) {
      requests_.reclaim();
    }
  }
  stop = true;
  for (auto& t : io_threads) {
    t.join();
  }
  requests_.reclaim();
  EXPECT_GT(served, 0u);
  EXPECT_EQ(requests_.retired(), 0u);
  EXPECT_EQ(page().find("churn-"), std::string::npos) << page();
}

} // namespace
} // namespace janus::http
