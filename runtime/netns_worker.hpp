#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "runtime/netns_factory.hpp"

namespace janus {

/// The socket factory's thread: a queue of jobs run in order, and janusd's own network namespace
/// to return to after each visit elsewhere. Internal to netns_factory and netns.
class netns_factory::worker {
public:
  /// Owns `home_fd`, janusd's own /proc/self/ns/net.
  explicit worker(int home_fd);

  ~worker();

  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  /// Queues `job` for the thread; false (and `job` dropped unrun) once stop() was called.
  bool post(std::function<void()> job);

  /// The thread's loop: runs jobs until stop() and an empty queue. Jobs queued before stop()
  /// still run; they see stopping() and answer with an error.
  void run();

  /// Refuses new jobs and ends run() once the queue is empty.
  void stop();

  /// Whether stop() was called.
  bool stopping() const;

  int home_fd() const noexcept {
    return home_fd_;
  }

private:
  const int home_fd_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
};

} // namespace janus
