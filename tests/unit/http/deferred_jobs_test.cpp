// http/deferred_jobs.hpp: the delayed start of chat requests' client watches. A job fires once,
// never before its time, in the order of the times; one cancelled or destroyed first never
// fires; jobs keep firing while others come and go; after stop() none fires.

#include "http/deferred_jobs.hpp"

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace janus::http {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// A job that records when it fired.
struct recorder {
  std::vector<int>* order = nullptr;
  int id = 0;
  int fired = 0;
  clock_type::time_point at{};
  deferred_jobs::job job{&recorder::fire, this};

  static void fire(void* self) {
    auto& me = *static_cast<recorder*>(self);
    ++me.fired;
    me.at = clock_type::now();
    if (me.order != nullptr) {
      me.order->push_back(me.id);
    }
  }
};

/// Runs `io` until `done()` or 2 s.
template <class Done>
void run_until(boost::asio::io_context& io, Done done) {
  auto give_up = clock_type::now() + 2s;
  while (!done() && clock_type::now() < give_up) {
    io.run_for(5ms);
  }
}

TEST(deferred_jobs, a_job_fires_once_and_not_before_its_delay) {
  boost::asio::io_context io;
  deferred_jobs jobs{io.get_executor(), 50ms};
  recorder one;
  auto since = clock_type::now();
  jobs.add(one.job, since);
  EXPECT_TRUE(one.job.queued());
  run_until(io, [&] { return one.fired > 0; });
  ASSERT_EQ(one.fired, 1);
  EXPECT_GE(one.at - since, 50ms);
  EXPECT_FALSE(one.job.queued());
  io.run_for(80ms);
  EXPECT_EQ(one.fired, 1);
}

TEST(deferred_jobs, jobs_fire_in_the_order_of_their_times) {
  boost::asio::io_context io;
  deferred_jobs jobs{io.get_executor(), 30ms};
  std::vector<int> order;
  std::vector<std::unique_ptr<recorder>> all;
  auto since = clock_type::now();
  for (int i = 0; i < 5; ++i) {
    all.push_back(std::make_unique<recorder>());
    all.back()->order = &order;
    all.back()->id = i;
    jobs.add(all.back()->job, since + std::chrono::milliseconds(10 * i));
  }
  run_until(io, [&] { return order.size() == 5; });
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  for (const auto& r : all) {
    EXPECT_GE(r->at - since, 30ms + std::chrono::milliseconds(10 * r->id));
  }
}

TEST(deferred_jobs, a_job_cancelled_or_destroyed_before_its_time_never_fires) {
  boost::asio::io_context io;
  deferred_jobs jobs{io.get_executor(), 30ms};
  recorder cancelled;
  recorder kept;
  auto gone = std::make_unique<recorder>();
  auto since = clock_type::now();
  jobs.add(cancelled.job, since);
  jobs.add(gone->job, since);
  jobs.add(kept.job, since);
  EXPECT_EQ(jobs.size(), 3u);
  cancelled.job.cancel();
  gone.reset();
  EXPECT_EQ(jobs.size(), 1u);
  run_until(io, [&] { return kept.fired > 0; });
  EXPECT_EQ(kept.fired, 1);
  EXPECT_EQ(cancelled.fired, 0);
  EXPECT_EQ(jobs.size(), 0u);
}

TEST(deferred_jobs, requests_that_end_before_the_delay_fire_nothing_and_later_ones_still_fire) {
  // The warm path's pattern: one request at a time, each over before the delay, then one that
  // takes longer. The timer left waiting for an early job must not swallow the later one.
  boost::asio::io_context io;
  deferred_jobs jobs{io.get_executor(), 40ms};
  int quick_fired = 0;
  for (int i = 0; i < 20; ++i) {
    recorder quick;
    jobs.add(quick.job, clock_type::now());
    io.run_for(2ms);
    quick_fired += quick.fired;
    quick.job.cancel();
  }
  EXPECT_EQ(quick_fired, 0);
  recorder slow;
  auto since = clock_type::now();
  jobs.add(slow.job, since);
  run_until(io, [&] { return slow.fired > 0; });
  ASSERT_EQ(slow.fired, 1);
  EXPECT_GE(slow.at - since, 40ms);
}

TEST(deferred_jobs, a_job_may_queue_itself_again_from_its_fire) {
  boost::asio::io_context io;
  deferred_jobs jobs{io.get_executor(), 20ms};
  struct again {
    deferred_jobs* queue = nullptr;
    int fired = 0;
    deferred_jobs::job job{&again::fire, this};
    static void fire(void* self) {
      auto& me = *static_cast<again*>(self);
      if (++me.fired < 3) {
        me.queue->add(me.job, clock_type::now());
      }
    }
  } repeating;
  repeating.queue = &jobs;
  jobs.add(repeating.job, clock_type::now());
  run_until(io, [&] { return repeating.fired >= 3; });
  EXPECT_EQ(repeating.fired, 3);
  io.run_for(60ms);
  EXPECT_EQ(repeating.fired, 3);
}

TEST(deferred_jobs, after_stop_no_job_fires) {
  boost::asio::io_context io;
  deferred_jobs jobs{io.get_executor(), 20ms};
  recorder one;
  recorder two;
  jobs.add(one.job, clock_type::now());
  jobs.stop();
  jobs.add(two.job, clock_type::now());
  io.run_for(80ms);
  EXPECT_EQ(one.fired, 0);
  EXPECT_EQ(two.fired, 0);
}

} // namespace
} // namespace janus::http
