#include "apps/janus-bench/bench_run.hpp"

#include "apps/janus-bench/report.hpp"
#include "apps/janus-bench/run_context.hpp"
#include "apps/janus-bench/shard.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <thread>

namespace janus::bench {

namespace {

namespace net = boost::asio;

/// After the drain cap: how long before requests in flight are cut, then before the threads
/// are stopped whatever they do.
constexpr auto abort_grace = std::chrono::seconds(1);
constexpr auto halt_grace = std::chrono::seconds(2);

unsigned shard_count(const bench_options& options) {
  unsigned most = options.mode == load_mode::open ? options.max_connections
                                                  : std::max(1u, options.concurrency);
  return std::clamp(options.threads, 1u, most);
}

/// The live state of one run on the main thread: signals, progress, caps, shard threads.
class controller {
public:
  controller(run_context& context, bool show_progress)
    : context_(context),
      signals_(io_, SIGINT, SIGTERM),
      progress_timer_(io_),
      cap_timer_(io_),
      show_progress_(show_progress) {
    // nop
  }

  run_outcome run() {
    const unsigned count = shard_count(context_.options);
    for (unsigned i = 0; i < count; ++i) {
      shards_.push_back(std::make_unique<shard>(context_, i, count));
    }
    context_.on_stop_request = [this] {
      net::post(io_, [this] {
        stopped_unreachable_ = true;
        stop_sending();
      });
    };
    wait_for_signal();
    context_.start = bench_clock::now();
    if (auto window = context_.options.window()) {
      context_.drain_deadline = context_.start + *window + context_.options.drain;
      arm_cap(context_.drain_deadline + abort_grace);
    }
    if (show_progress_) {
      tick();
    }
    std::vector<std::exception_ptr> failures(count);
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < count; ++i) {
      threads.emplace_back([this, i, &failures] {
        try {
          shards_[i]->run();
        } catch (...) {
          failures[i] = std::current_exception();
        }
        net::post(io_, [this] { shard_done(); });
      });
    }
    io_.run();
    for (auto& thread : threads) {
      thread.join();
    }
    const auto ended = bench_clock::now();
    if (show_progress_) {
      std::fputs("\r\033[K", stderr);
      std::fflush(stderr);
    }
    for (auto& failure : failures) {
      if (failure) {
        std::rethrow_exception(failure);
      }
    }
    return collect(ended);
  }

private:
  void wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) {
        return;
      }
      interrupted_ = true;
      if (!context_.stopping.load()) {
        std::fputs("\njanus-bench: stopping: no new requests; Ctrl-C again to cut the ones in "
                   "flight\n",
                   stderr);
        stop_sending();
        wait_for_signal();
      } else {
        abort_requests();
      }
    });
  }

  void stop_sending() {
    if (context_.stopping.exchange(true)) {
      return;
    }
    for (auto& s : shards_) {
      s->stop();
    }
  }

  void abort_requests() {
    stop_sending();
    if (context_.aborting.exchange(true)) {
      return;
    }
    for (auto& s : shards_) {
      s->abort();
    }
    arm_halt();
  }

  /// At the hard cap: cut whatever is still in flight, then make sure the threads end.
  void arm_cap(bench_clock::time_point at) {
    cap_timer_.expires_at(at);
    cap_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        abort_requests();
      }
    });
  }

  void arm_halt() {
    cap_timer_.expires_after(halt_grace);
    cap_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        for (auto& s : shards_) {
          s->halt();
        }
      }
    });
  }

  void tick() {
    const auto now = bench_clock::now();
    const auto finished = context_.counters.finished.load(std::memory_order_relaxed);
    const auto started = context_.counters.started.load(std::memory_order_relaxed);
    const double elapsed = std::chrono::duration<double>(now - context_.start).count();
    const double since = std::chrono::duration<double>(now - last_tick_).count();
    const double recent = last_tick_ == bench_clock::time_point{} || since <= 0
                            ? 0.0
                            : static_cast<double>(finished - last_finished_) / since;
    if (last_tick_ != bench_clock::time_point{}) {
      std::optional<double> window;
      if (auto w = context_.options.window()) {
        window = static_cast<double>(w->count()) / 1e6;
      }
      auto line = progress_line(elapsed, window, finished, recent,
                                context_.counters.ok.load(std::memory_order_relaxed),
                                started - std::min(started, finished));
      std::fprintf(stderr, "\r%s\033[K", line.c_str());
      std::fflush(stderr);
    }
    last_tick_ = now;
    last_finished_ = finished;
    progress_timer_.expires_at(now + std::chrono::seconds(1));
    progress_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        tick();
      }
    });
  }

  void shard_done() {
    if (++done_ < shards_.size()) {
      return;
    }
    signals_.cancel();
    progress_timer_.cancel();
    cap_timer_.cancel();
    io_.stop();
  }

  run_outcome collect(bench_clock::time_point ended) {
    run_outcome out;
    std::size_t total = 0;
    for (auto& s : shards_) {
      total += s->records().size();
    }
    out.records.reserve(total);
    std::size_t itls = 0;
    for (auto& s : shards_) {
      itls += s->itls().size();
    }
    out.itls.reserve(itls);
    for (auto& s : shards_) {
      out.itls.insert(out.itls.end(), s->itls().begin(), s->itls().end());
      s->itls() = {};
      out.itl_dropped += s->itl_dropped();
      auto& records = s->records();
      out.records.insert(out.records.end(), records.begin(), records.end());
      records = {};
      for (std::size_t i = 0; i < error_class_count; ++i) {
        if (out.samples[i].empty()) {
          out.samples[i] = s->samples()[i];
        }
      }
    }
    std::stable_sort(out.records.begin(), out.records.end(),
                     [](const request_record& a, const request_record& b) {
                       return a.scheduled_us < b.scheduled_us;
                     });
    out.elapsed_us = context_.since_start(ended);
    out.interrupted = interrupted_;
    out.stopped_unreachable = stopped_unreachable_;
    out.never_connected = !context_.counters.connected_once.load();
    return out;
  }

  run_context& context_;
  net::io_context io_{1};
  net::signal_set signals_;
  net::steady_timer progress_timer_;
  net::steady_timer cap_timer_;
  bool show_progress_;
  std::vector<std::unique_ptr<shard>> shards_;
  std::size_t done_ = 0;
  bool interrupted_ = false;
  bool stopped_unreachable_ = false;
  bench_clock::time_point last_tick_{};
  std::uint64_t last_finished_ = 0;
};

} // namespace

run_outcome run_bench(const bench_options& options,
                      const net::ip::tcp::resolver::results_type& endpoints) {
  run_context context{options};
  context.endpoints = endpoints;
  const bool show_progress = options.progress && ::isatty(STDERR_FILENO) == 1;
  controller control{context, show_progress};
  return control.run();
}

} // namespace janus::bench
