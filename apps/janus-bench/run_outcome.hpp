#pragma once

#include "apps/janus-bench/outcome.hpp"
#include "apps/janus-bench/request_record.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace janus::bench {

/// Inter-token latencies a run keeps for its statistics (16 Mi of them, 64 MiB); later ones
/// are only counted (run_outcome::itl_dropped).
inline constexpr std::size_t max_itl_samples = std::size_t{1} << 24;

/// What a finished run hands to the reports.
struct run_outcome {
  /// Every request, ordered by scheduled time.
  std::vector<request_record> records;
  /// The inter-token latencies (µs) of every completed stream, in no particular order: the
  /// first max_itl_samples of the run.
  std::vector<std::uint32_t> itls;
  /// Inter-token latencies of completed streams beyond max_itl_samples, not kept.
  std::uint64_t itl_dropped = 0;
  /// The first error message of each class.
  std::array<std::string, error_class_count> samples;
  /// From the start until the last request ended.
  std::int64_t elapsed_us = 0;
  /// Requests that never connected made the run stop early.
  bool stopped_unreachable = false;
  /// Ctrl-C (or SIGTERM) stopped the run.
  bool interrupted = false;
  /// No request ever got a TCP connection.
  bool never_connected = false;
};

} // namespace janus::bench
