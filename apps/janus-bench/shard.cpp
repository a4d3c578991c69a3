#include "apps/janus-bench/shard.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>

namespace janus::bench {

namespace {

namespace net = boost::asio;

constexpr auto nothrow = net::as_tuple(net::use_awaitable);
/// A closed-loop client waits this long after a failed connect before it tries again.
constexpr auto connect_backoff = std::chrono::milliseconds(50);
/// While no request has ever connected, this many connect failures stop the run.
constexpr std::uint64_t fail_fast_after = 16;
/// Records reserved up front when the run's size cannot be known.
constexpr std::size_t default_reserve = 1 << 16;
constexpr std::size_t max_reserve = 1 << 22;

void rethrow(std::exception_ptr error) {
  if (error) {
    std::rethrow_exception(error);
  }
}

} // namespace

shard::shard(run_context& context, unsigned index, unsigned count)
  : context_(context), index_(index), count_(count) {
  std::size_t expected = default_reserve;
  if (context_.options.mode == load_mode::open) {
    if (auto size = context_.schedule_size()) {
      expected = static_cast<std::size_t>(*size / count + 1);
    }
    max_connections_ = context_.options.max_connections / count
                       + (index < context_.options.max_connections % count ? 1 : 0);
  } else if (context_.options.requests) {
    expected = static_cast<std::size_t>(*context_.options.requests / count + 1);
  }
  records_.reserve(std::min(expected, max_reserve));
  itl_capacity_ = max_itl_samples / count;
}

void shard::run() {
  if (context_.options.mode == load_mode::open) {
    timers_.push_back(std::make_unique<net::steady_timer>(io_));
    net::co_spawn(io_, dispatch(*timers_.back()), rethrow);
  } else {
    for (unsigned client = index_; client < context_.profile.peak(); client += count_) {
      connections_.push_back(std::make_unique<connection>(io_.get_executor(), context_));
      timers_.push_back(std::make_unique<net::steady_timer>(io_));
      net::co_spawn(io_, client_loop(client, *connections_.back(), *timers_.back()), rethrow);
    }
  }
  io_.run();
}

void shard::stop() {
  net::post(io_, [this] {
    for (auto& timer : timers_) {
      timer->cancel();
    }
  });
}

void shard::abort() {
  net::post(io_, [this] {
    for (auto& timer : timers_) {
      timer->cancel();
    }
    for (auto& conn : connections_) {
      conn->close();
    }
  });
}

void shard::halt() {
  io_.stop();
}

net::awaitable<void> shard::client_loop(unsigned client, connection& conn,
                                        net::steady_timer& timer) {
  const auto& profile = context_.profile;
  for (;;) {
    if (context_.stopping.load(std::memory_order_relaxed)) {
      break;
    }
    const auto now = bench_clock::now();
    const auto at = std::chrono::duration_cast<std::chrono::microseconds>(now - context_.start);
    if (client >= profile.level_at(at)) {
      // Not needed now: sleep until the profile changes, or leave when it never will.
      auto next = profile.next_change(at);
      if (!next) {
        break;
      }
      timer.expires_at(context_.start + *next);
      co_await timer.async_wait(nothrow);
      continue;
    }
    auto sequence = context_.claim();
    if (!sequence) {
      break;
    }
    auto result = co_await run_request(conn, *sequence, now);
    if (result == error_class::connect_error && !context_.stopping.load()) {
      timer.expires_after(connect_backoff);
      co_await timer.async_wait(nothrow);
    }
  }
  conn.close();
}

net::awaitable<void> shard::dispatch(net::steady_timer& timer) {
  for (;;) {
    if (context_.stopping.load(std::memory_order_relaxed)) {
      break;
    }
    auto next_request = context_.next_arrival();
    if (!next_request) {
      break;
    }
    const auto scheduled = context_.start + next_request->due;
    if (scheduled > bench_clock::now()) {
      timer.expires_at(scheduled);
      co_await timer.async_wait(nothrow);
      if (context_.stopping.load(std::memory_order_relaxed)) {
        break;
      }
    }
    job next{next_request->sequence, scheduled};
    connection* conn = nullptr;
    if (!idle_.empty()) {
      conn = idle_.back();
      idle_.pop_back();
    } else if (connections_.size() < max_connections_) {
      connections_.push_back(std::make_unique<connection>(io_.get_executor(), context_));
      conn = connections_.back().get();
    } else {
      pending_.push_back(next);
      continue;
    }
    net::co_spawn(io_, serve(conn, next), rethrow);
  }
}

net::awaitable<void> shard::serve(connection* conn, job first) {
  job current = first;
  for (;;) {
    co_await run_request(*conn, current.sequence, current.scheduled);
    if (context_.stopping.load(std::memory_order_relaxed)) {
      // Stopped early: requests still waiting for a connection are not sent at all.
      pending_.clear();
    }
    if (pending_.empty()) {
      break;
    }
    current = pending_.front();
    pending_.pop_front();
  }
  if (context_.stopping.load(std::memory_order_relaxed)) {
    conn->close();
  }
  idle_.push_back(conn);
}

net::awaitable<error_class> shard::run_request(connection& conn, std::uint64_t sequence,
                                               bench_clock::time_point scheduled) {
  const auto model = context_.picker.pick(sequence);
  const auto own_deadline = scheduled + context_.options.timeout;
  const bool drain_cut = context_.drain_deadline < own_deadline;
  const auto deadline = drain_cut ? context_.drain_deadline : own_deadline;
  const std::string_view request = context_.requests[model];
  context_.counters.started.fetch_add(1, std::memory_order_relaxed);
  auto result = co_await conn.exchange(request, scheduled, deadline, drain_cut);

  request_record record;
  record.scheduled_us = context_.since_start(scheduled);
  record.start_offset_us = result.sent_us;
  record.e2el_us = result.end_us;
  record.ttft_us = result.first_token_us;
  record.output_tokens = result.output_tokens;
  record.input_tokens = result.input_tokens;
  record.chunks = result.chunks;
  record.tokens_from = result.tokens_from;
  record.status = static_cast<std::uint16_t>(result.status);
  record.model = model;
  record.result = result.result;
  record.start = result.start;
  record.abandoned = result.abandoned;
  records_.push_back(record);

  auto& counters = context_.counters;
  counters.finished.fetch_add(1, std::memory_order_relaxed);
  const auto index = static_cast<std::size_t>(result.result);
  if (result.result == error_class::ok) {
    counters.ok.fetch_add(1, std::memory_order_relaxed);
    keep_itls(result.itls);
  } else if (samples_[index].empty()) {
    samples_[index] = result.message;
  }
  if (result.result == error_class::connect_error) {
    auto failures = counters.connect_failures.fetch_add(1, std::memory_order_relaxed) + 1;
    if (failures >= fail_fast_after && !counters.connected_once.load(std::memory_order_relaxed)
        && context_.on_stop_request) {
      context_.on_stop_request();
    }
  }
  co_return result.result;
}

void shard::keep_itls(const std::vector<std::uint32_t>& gaps) {
  const auto room = itl_capacity_ - std::min(itl_capacity_, itls_.size());
  const auto kept = std::min(room, gaps.size());
  itls_.insert(itls_.end(), gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(kept));
  itl_dropped_ += gaps.size() - kept;
}

} // namespace janus::bench
