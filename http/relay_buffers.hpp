#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace janus::http {

/// The buffers a shard's chat requests relay answers through, kept for reuse. A request takes
/// one for its life and gives it back, so a busy shard allocates none once warm, and an idle
/// connection holds none. A buffer is not part of the chat_proxy itself because a chat_proxy
/// lives in coroutine frames, and Asio recycles only frames of at most 1020 bytes (see
/// bench/README.md, "Coroutine frames"). Used by one thread only (the shard's): no lock.
class relay_buffers {
public:
  static constexpr std::size_t buffer_size = 16 * 1024;
  using buffer = std::array<char, buffer_size>;

  /// A buffer taken: given back when the lease ends (or freed, past the spares kept).
  class lease {
  public:
    lease() = default;
    lease(relay_buffers& owner, std::unique_ptr<buffer> bytes) noexcept
      : owner_(&owner), bytes_(std::move(bytes)) {
    }
    lease(lease&& other) noexcept
      : owner_(std::exchange(other.owner_, nullptr)), bytes_(std::move(other.bytes_)) {
    }
    lease& operator=(lease&& other) noexcept {
      if (this != &other) {
        give_back();
        owner_ = std::exchange(other.owner_, nullptr);
        bytes_ = std::move(other.bytes_);
      }
      return *this;
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() {
      give_back();
    }

    /// The buffer's bytes (none for a lease that holds no buffer).
    std::span<char> bytes() noexcept {
      return bytes_ ? std::span<char>{*bytes_} : std::span<char>{};
    }

    char* data() noexcept {
      return bytes_ ? bytes_->data() : nullptr;
    }

  private:
    void give_back() noexcept {
      if (owner_ != nullptr && bytes_) {
        owner_->keep(std::move(bytes_));
      }
      owner_ = nullptr;
    }

    relay_buffers* owner_ = nullptr;
    std::unique_ptr<buffer> bytes_;
  };

  /// Keeps up to `max_spare` buffers given back; more are freed, so after a burst of concurrent
  /// requests a shard holds at most max_spare x 16 KiB it does not use.
  explicit relay_buffers(std::size_t max_spare = 64) : max_spare_(max_spare) {
    spare_.reserve(max_spare_);
  }

  relay_buffers(const relay_buffers&) = delete;
  relay_buffers& operator=(const relay_buffers&) = delete;

  /// A spare buffer, or a new one; its bytes are not cleared.
  lease take() {
    if (spare_.empty()) {
      return lease{*this, std::make_unique_for_overwrite<buffer>()};
    }
    auto bytes = std::move(spare_.back());
    spare_.pop_back();
    return lease{*this, std::move(bytes)};
  }

  /// Buffers given back and kept for the next requests.
  std::size_t spare_count() const noexcept {
    return spare_.size();
  }

private:
  void keep(std::unique_ptr<buffer> bytes) noexcept {
    if (spare_.size() < max_spare_) {
      spare_.push_back(std::move(bytes)); // within the reserved room: no allocation
    }
  }

  std::size_t max_spare_;
  std::vector<std::unique_ptr<buffer>> spare_;
};

} // namespace janus::http
