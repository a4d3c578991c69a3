// The bridge from a callback answered on another thread to a coroutine (http/ask.hpp): the
// coroutine resumes on its own thread, once, and its handler never dies on the other thread,
// not even when the answer comes after the io_context is gone.

#include "http/ask.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <thread>

namespace janus::http {
namespace {

namespace asio = boost::asio;

using callback = std::function<void(int)>;

/// Records on which thread the coroutine's frame was destroyed.
struct frame_witness {
  std::shared_ptr<std::optional<std::thread::id>> destroyed_on;
  ~frame_witness() {
    *destroyed_on = std::this_thread::get_id();
  }
};

auto ask_int(std::shared_ptr<callback> keep) {
  return ask<int>([keep](auto done) { *keep = std::move(done); });
}

asio::awaitable<void> waiter(std::shared_ptr<callback> keep, std::shared_ptr<std::optional<int>> got,
                             std::shared_ptr<std::optional<std::thread::id>> resumed_on,
                             std::shared_ptr<std::optional<std::thread::id>> destroyed_on) {
  frame_witness witness{destroyed_on};
  auto value = co_await ask_int(keep);
  *got = value;
  *resumed_on = std::this_thread::get_id();
}

struct ask_case {
  std::shared_ptr<callback> keep = std::make_shared<callback>();
  std::shared_ptr<std::optional<int>> got = std::make_shared<std::optional<int>>();
  std::shared_ptr<std::optional<std::thread::id>> resumed_on =
    std::make_shared<std::optional<std::thread::id>>();
  std::shared_ptr<std::optional<std::thread::id>> destroyed_on =
    std::make_shared<std::optional<std::thread::id>>();

  void spawn(asio::io_context& io) {
    asio::co_spawn(io, waiter(keep, got, resumed_on, destroyed_on), asio::detached);
    io.run_one(); // runs the coroutine up to its ask
    ASSERT_TRUE(*keep) << "the call got its callback";
  }
};

TEST(ask, an_answer_from_another_thread_resumes_the_coroutine_on_its_own_thread) {
  asio::io_context io;
  ask_case c;
  c.spawn(io);
  std::thread answering{[keep = c.keep] { (*keep)(42); }};
  answering.join();
  io.restart();
  io.run();
  ASSERT_TRUE(c.got->has_value());
  EXPECT_EQ(**c.got, 42);
  EXPECT_EQ(*c.resumed_on, std::this_thread::get_id());
}

TEST(ask, only_the_first_call_of_the_callback_counts) {
  asio::io_context io;
  ask_case c;
  c.spawn(io);
  auto copy = *c.keep;
  (*c.keep)(1);
  copy(2);
  io.restart();
  io.run();
  (*c.keep)(3);
  io.restart();
  io.run();
  ASSERT_TRUE(c.got->has_value());
  EXPECT_EQ(**c.got, 1);
}

TEST(ask, a_callback_dropped_on_another_thread_never_destroys_the_coroutine_there) {
  auto io = std::make_unique<asio::io_context>();
  ask_case c;
  c.spawn(*io);
  std::thread::id other;
  std::thread dropping{[&other, keep = std::move(c.keep)]() mutable {
    other = std::this_thread::get_id();
    keep.reset(); // the only copy of the callback goes, unanswered
  }};
  dropping.join();
  EXPECT_FALSE(c.destroyed_on->has_value()) << "the coroutine still waits";
  io.reset(); // the unanswered coroutine goes with its io_context, on this thread
  ASSERT_TRUE(c.destroyed_on->has_value());
  EXPECT_EQ(**c.destroyed_on, std::this_thread::get_id());
  EXPECT_NE(**c.destroyed_on, other);
  EXPECT_FALSE(c.got->has_value());
}

TEST(ask, an_answer_after_the_io_context_is_gone_is_dropped) {
  auto io = std::make_unique<asio::io_context>();
  ask_case c;
  c.spawn(*io);
  io.reset();
  ASSERT_TRUE(c.destroyed_on->has_value());
  std::thread late{[keep = c.keep] { (*keep)(7); }}; // must not touch the destroyed io_context
  late.join();
  EXPECT_FALSE(c.got->has_value());
}

TEST(ask, an_answer_posted_to_a_stopped_io_context_goes_with_it_unrun) {
  auto io = std::make_unique<asio::io_context>();
  ask_case c;
  c.spawn(*io);
  io->stop();
  (*c.keep)(5);
  io.reset();
  EXPECT_FALSE(c.got->has_value());
  EXPECT_TRUE(c.destroyed_on->has_value());
}

} // namespace
} // namespace janus::http
