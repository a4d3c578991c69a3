#include "apps/janusd/config_reloader.hpp"

namespace janus {

config_reloader::config_reloader(std::function<void()> reload)
  : reload_(std::move(reload)), thread_([this] { run(); }) {
}

config_reloader::~config_reloader() {
  stop();
}

void config_reloader::request() {
  {
    std::lock_guard lock{mutex_};
    pending_ = true;
  }
  wake_.notify_one();
}

void config_reloader::stop() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void config_reloader::run() {
  while (true) {
    {
      std::unique_lock lock{mutex_};
      wake_.wait(lock, [this] { return pending_ || stopping_; });
      if (stopping_) {
        return;
      }
      pending_ = false;
    }
    reload_();
  }
}

} // namespace janus
