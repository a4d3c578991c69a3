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

  std::vector<model_weight> models;
  bool stream = false;
  std::string prompt = "Hello from janus-bench";
  std::optional<unsigned> max_tokens;
  /// Also send max_tokens as `janus_baseline.tokens`.
  bool baseline_tokens = false;
  /// JSON objects merged into every body, in order (later ones win).
  std::vector<std::string> body_extra;

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

/// `--help` was asked for: the text to print (exit 0).
struct help_request {
  std::string text;
};

/// Reads the command line (argv[0] is skipped). Throws usage_error naming the flag when a
/// flag is unknown, a value is bad, or two flags contradict.
std::variant<bench_options, help_request> parse_command_line(int argc, const char* const* argv);

} // namespace janus::bench
