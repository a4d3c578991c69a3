#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>

#include <chrono>

namespace janus::http {

/// Jobs that run `delay` after they were queued unless they were cancelled first: the client
/// watch of a chat request (chat_proxy), which most requests end before they need it. One timer
/// for all of them, armed for the oldest job only and never moved per job, so queueing and
/// cancelling are list operations; while jobs keep coming the timer fires about once per
/// `delay`, and with none queued it waits for nothing. Lives on one thread (its shard's), as do
/// its jobs.
class deferred_jobs {
public:
  using clock = std::chrono::steady_clock;

  /// One job, embedded in its owner: `fire(context)` at its time. A job leaves the queue when
  /// it fires, when cancelled and when destroyed.
  class job : public boost::intrusive::list_base_hook<
                boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
  public:
    job(void (*fire)(void*), void* context) : fire_(fire), context_(context) {
    }
    job(const job&) = delete;
    job& operator=(const job&) = delete;

    bool queued() const noexcept {
      return is_linked();
    }

    void cancel() noexcept {
      unlink();
    }

  private:
    friend class deferred_jobs;
    void (*fire_)(void*);
    void* context_;
    clock::time_point due_{};
  };

  deferred_jobs(const boost::asio::any_io_executor& executor, clock::duration delay);

  ~deferred_jobs();

  deferred_jobs(const deferred_jobs&) = delete;
  deferred_jobs& operator=(const deferred_jobs&) = delete;

  /// Queues `j` (not queued yet) to fire at `since + delay`. Times must not go backwards from
  /// one add to the next (the queue is in order of them): pass when the job's request came.
  void add(job& j, clock::time_point since);

  std::size_t size() const noexcept {
    return jobs_.size();
  }

  /// Fires no job any more (shutdown); the queued ones stay until they are cancelled.
  void stop();

private:
  void wait_for_front();
  void on_timer();

  boost::asio::steady_timer timer_;
  clock::duration delay_;
  boost::intrusive::list<job, boost::intrusive::constant_time_size<false>> jobs_;
  /// The timer has a wait pending (for the front job's time or earlier).
  bool waiting_ = false;
  bool stopped_ = false;
};

} // namespace janus::http
