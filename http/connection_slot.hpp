#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <utility>

namespace janus::http {

/// One place among `server.max_connections`: taken by the acceptor when it admits a
/// connection, given back when the object that holds it (the session) is destroyed, on every
/// path. Shares the counter, so it may outlive the server that counts.
class connection_slot {
public:
  using counter = std::atomic<std::size_t>;

  connection_slot() = default;

  /// Takes a place of `open` (already counted by the caller).
  explicit connection_slot(std::shared_ptr<counter> open) : open_(std::move(open)) {
  }

  connection_slot(connection_slot&& other) noexcept = default;

  connection_slot& operator=(connection_slot&& other) noexcept {
    if (this != &other) {
      give_back();
      open_ = std::move(other.open_);
    }
    return *this;
  }

  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

  ~connection_slot() {
    give_back();
  }

private:
  void give_back() {
    if (open_) {
      open_->fetch_sub(1, std::memory_order_relaxed);
      open_.reset();
    }
  }

  std::shared_ptr<counter> open_;
};

} // namespace janus::http
