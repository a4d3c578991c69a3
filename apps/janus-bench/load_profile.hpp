#pragma once

#include "apps/janus-bench/option_values.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace janus::bench {

/// The client count of a closed loop over time: constant, or a step profile. Times count from
/// the start of the run.
class load_profile {
public:
  /// A constant `clients` for `length` (none: until stopped).
  load_profile(unsigned clients, std::optional<std::chrono::microseconds> length);

  /// The steps of --steps, in order.
  explicit load_profile(std::vector<load_step> steps);

  /// Clients that should be active at `at`; 0 at and after the end.
  unsigned level_at(std::chrono::microseconds at) const;

  /// The next time after `at` when the level changes (a step boundary or the end); none when
  /// it never changes again.
  std::optional<std::chrono::microseconds> next_change(std::chrono::microseconds at) const;

  /// The end of the profile; none when it has none.
  std::optional<std::chrono::microseconds> end() const {
    return end_;
  }

  /// The highest level of the profile: how many clients the run needs.
  unsigned peak() const;

  const std::vector<load_step>& steps() const {
    return steps_;
  }

private:
  std::vector<load_step> steps_;
  std::optional<std::chrono::microseconds> end_;
};

} // namespace janus::bench
