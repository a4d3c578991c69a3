#pragma once

#include <cstddef>
#include <limits>

namespace janus::metrics {

/// Cells that different threads update sit at least this far apart, so that they never share a
/// cache line.
inline constexpr std::size_t cache_line = 64;

namespace detail {

inline constexpr std::size_t no_slot = std::numeric_limits<std::size_t>::max();

/// The calling thread's slot, `no_slot` until its first metric update.
inline thread_local std::size_t thread_slot = no_slot;

std::size_t claim_thread_slot() noexcept;

} // namespace detail

/// The calling thread's slot number: threads get 0, 1, 2, ... in the order they first update a
/// metric. A striped metric updates its stripe `slot % stripes`, so threads up to the stripe
/// count never write the same cache line. One thread-local read after the first call.
inline std::size_t thread_slot() noexcept {
  auto slot = detail::thread_slot;
  if (slot == detail::no_slot) [[unlikely]] {
    slot = detail::claim_thread_slot();
  }
  return slot;
}

/// The stripe count a registry uses unless told otherwise: a power of two, twice the cores
/// rounded up, between 4 and 64.
std::size_t default_stripes() noexcept;

/// `n` rounded up to a power of two, at least 1 (a stripe count).
std::size_t stripes_for(std::size_t n) noexcept;

} // namespace janus::metrics
