#include "metrics/stripes.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <thread>

namespace janus::metrics {

namespace detail {

std::size_t claim_thread_slot() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_slot = next.fetch_add(1, std::memory_order_relaxed);
  return thread_slot;
}

} // namespace detail

std::size_t stripes_for(std::size_t n) noexcept {
  return std::bit_ceil(std::max<std::size_t>(n, 1));
}

std::size_t default_stripes() noexcept {
  std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<std::size_t>(stripes_for(2 * cores), 4, 64);
}

} // namespace janus::metrics
