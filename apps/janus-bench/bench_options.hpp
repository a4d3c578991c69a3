#pragma once

#include "apps/janus-bench/option_values.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace janus::bench {

/// How requests are paced.
enum class load_mode {
  /// N clients, each sending its next request when the previous one ended.
  closed,
  /// Requests sent on a fixed schedule (rate per second), whatever the answers do.
  open,
  /// Closed loop whose client count follows a step profile.
  steps,
};

/// Everything one run needs, checked: every value is in range and no two flags contradict.
struct bench_options {
  target_url target;
  std::vector<header_field> headers;

  load_mode mode = load_mode::closed;
  /// Closed loop: clients (default 1). Steps: the highest level.
  unsigned concurrency = 1;
  /// Open loop: requests per second.
  double rate = 0;
  std::vector<load_step> steps;
  /// How long requests are started; none when only `requests` bounds the run.
  std::optional<std::chrono::microseconds> duration;
  /// At most this many requests in all.
  std::optional<std::uint64_t> requests;
  /// Open loop: most connections open at once.
  unsigned max_connections = 256;
  unsigned threads = 1;
  /// Open loop: how requests arrive; the gamma shape of the gaps of a Poisson schedule (1: a
  /// Poisson process; below 1 burstier, above 1 more regular); the seed of its random gaps.
  arrival_process arrival = arrival_process::constant;
  double burstiness = 1;
  std::uint64_t seed = 0;
  /// One run per value, each bounded by `duration` / `requests`. Until sweep_step() picks a
  /// step, mode and rate or concurrency are those of the first one.
  std::optional<sweep_plan> sweep;

  std::vector<model_weight> models;
  bool stream = false;
  std::string prompt = "Hello from janus-bench";
  std::optional<unsigned> max_tokens;
  /// Also send max_tokens as `janus_baseline.tokens`.
  bool baseline_tokens = false;
  /// JSON objects merged into every body, in order (later ones win).
  std::vector<std::string> body_extra;
  /// A stream asks for usage in its last chunk (`stream_options.include_usage`).
  bool stream_usage = true;

  /// The percentiles reported besides mean and median, sorted.
  std::vector<double> percentiles{50, 90, 99};
  /// Goodput objectives; ttft and tpot only with `stream`.
  slo_targets slo;

  /// Per request, counted from its scheduled time.
  std::chrono::microseconds timeout = std::chrono::seconds(30);
  std::chrono::microseconds connect_timeout = std::chrono::seconds(5);
  /// After the last request was started: the longest wait for those in flight.
  std::chrono::microseconds drain = std::chrono::seconds(30);

  std::string json_file;
  std::string csv_file;
  std::string plot_file;
  bool progress = true;
  bool quiet = false;

  /// The length of the sending window when the run has one (duration or sum of steps).
  std::optional<std::chrono::microseconds> window() const;
};

/// The options of step `index` of a sweep: its rate or client count set, `sweep` kept (so
/// reports can name it). Requires options.sweep and index < its number of values.
bench_options sweep_step(const bench_options& options, std::size_t index);

/// `--help` or `--version` was asked for: the text to print (exit 0).
struct help_request {
  std::string text;
};

/// Reads the command line (argv[0] is skipped). Throws usage_error naming the flag when a
/// flag is unknown, a value is bad, or two flags contradict.
std::variant<bench_options, help_request> parse_command_line(int argc, const char* const* argv);

} // namespace janus::bench
