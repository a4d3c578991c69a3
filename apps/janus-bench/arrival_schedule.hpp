#pragma once

#include "apps/janus-bench/option_values.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace janus::bench {

/// How an open loop's requests arrive.
struct arrival_settings {
  /// Requests per second, above 0.
  double rate = 1;
  arrival_process process = arrival_process::constant;
  /// Poisson only: the shape of the gamma-distributed gaps (their mean stays 1 / rate, their
  /// variance is 1 / (burstiness * rate^2)); 1 gives exponential gaps, a Poisson process.
  double burstiness = 1;
  /// Seeds the random gaps: the same settings always give the same schedule.
  std::uint64_t seed = 0;
};

/// The open-loop schedule, request by request, counted from the start of the run. Constant:
/// request i is due at floor(i * 1e6 / rate) µs. Poisson: request 0 is due at once and each
/// next one a random gap later, drawn from a gamma distribution of shape `burstiness` and
/// scale 1 / (burstiness * rate), as vLLM's `--burstiness` (exponential when it is 1), by a
/// std::mt19937_64 seeded with `seed` and samplers written out here (so the schedule does not
/// depend on the standard library's distributions). The schedule ends at the first request due
/// at or after `window`, or after `requests` requests.
class arrival_schedule {
public:
  arrival_schedule(arrival_settings settings, std::optional<std::chrono::microseconds> window,
                   std::optional<std::uint64_t> requests);

  /// When the next request is due (they come in order); none once the schedule has ended.
  std::optional<std::chrono::microseconds> next();

  /// How many requests next() gives in all when that is known without drawing them (a
  /// constant schedule; otherwise only the request limit tells); none when unknown.
  std::optional<std::uint64_t> size_hint() const;

  /// Requests handed out so far: the number of the next one.
  std::uint64_t issued() const {
    return issued_;
  }

private:
  /// The next random gap, in µs.
  double draw_gap_us();

  /// A standard gamma variate of `shape` (scale 1): Marsaglia and Tsang's method.
  double draw_gamma(double shape);

  /// A standard normal variate: Marsaglia's polar method (the second value is kept).
  double draw_normal();

  /// Uniform in (0, 1).
  double draw_uniform();

  arrival_settings settings_;
  std::optional<std::chrono::microseconds> window_;
  std::optional<std::uint64_t> requests_;
  std::mt19937_64 engine_;
  std::optional<double> spare_normal_;
  /// Poisson: the due time of the next request, in µs, before rounding down.
  double next_us_ = 0;
  std::uint64_t issued_ = 0;
  bool ended_ = false;
};

} // namespace janus::bench
