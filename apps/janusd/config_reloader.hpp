#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace janus {

/// Runs configuration reloads on a thread of their own, one at a time, so that the thread that
/// takes signals stays free for SIGTERM while a reload waits for new pools to warm. A SIGHUP
/// that comes while a reload runs asks for one more reload after it (several asks coalesce:
/// the file is read again once, as it is then).
class config_reloader {
public:
  explicit config_reloader(std::function<void()> reload);

  config_reloader(const config_reloader&) = delete;
  config_reloader& operator=(const config_reloader&) = delete;

  /// stop().
  ~config_reloader();

  /// Asks for a reload; returns at once.
  void request();

  /// Lets a reload that runs finish (its waits are bounded), drops one asked for, and ends the
  /// thread. Idempotent.
  void stop();

private:
  void run();

  std::function<void()> reload_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace janus
