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

/// The open-loop schedule: request i is due at i / rate seconds after the start (request 0 at
/// once), as long as that is before the window's end and i is below the request limit.
class open_schedule {
public:
  open_schedule(double rate, std::optional<std::chrono::microseconds> window,
                std::optional<std::uint64_t> requests);

  /// When request `index` is due; none when it is not part of the run.
  std::optional<std::chrono::microseconds> due(std::uint64_t index) const;

  /// How many requests the schedule holds; none when only a stop ends it.
  std::optional<std::uint64_t> size() const;

private:
  double rate_;
  std::optional<std::chrono::microseconds> window_;
  std::optional<std::uint64_t> requests_;
};

} // namespace janus::bench
