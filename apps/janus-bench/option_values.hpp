#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace janus::bench {

/// A bad command line: the message names the flag, e.g. `--rate: must be a number above 0,
/// got "x"`. The tool prints it and exits 2.
class usage_error : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

/// One phase of a step profile: `level` concurrent clients for `length`.
struct load_step {
  unsigned level = 0;
  std::chrono::microseconds length{0};
};

/// A model to request and its share of the requests.
struct model_weight {
  std::string name;
  unsigned weight = 1;
};

/// An extra request header.
struct header_field {
  std::string name;
  std::string value;
};

/// Where requests go: a plain-HTTP host, port and request target.
struct target_url {
  /// Host name or numeric address as written (IPv6 without brackets).
  std::string host;
  std::uint16_t port = 80;
  /// Path and query; always starts with '/'.
  std::string path;

  /// "http://host:port/path", for reports.
  std::string text() const;

  /// The Host header's value ("host:port", IPv6 in brackets).
  std::string host_header() const;
};

/// How the requests of an open loop arrive.
enum class arrival_process {
  /// Request i is due at i / rate seconds: a fixed schedule.
  constant,
  /// Gaps drawn at random with mean 1 / rate: exponential (a Poisson process), or gamma when
  /// the burstiness is not 1.
  poisson,
};

/// Service-level objectives of goodput: a completed request is good when each given latency
/// is at most its objective (vLLM's `--goodput`).
struct slo_targets {
  std::optional<std::chrono::microseconds> ttft;
  std::optional<std::chrono::microseconds> tpot;
  std::optional<std::chrono::microseconds> e2el;

  bool any() const {
    return ttft || tpot || e2el;
  }
};

/// What a --sweep varies from one step to the next.
enum class sweep_parameter {
  /// The open loop's request rate.
  rate,
  /// The closed loop's client count.
  concurrency,
};

/// The steps of a --sweep: one run per value, in the order given.
struct sweep_plan {
  sweep_parameter parameter = sweep_parameter::rate;
  std::vector<double> values;
};

/// "10s", "500ms", "1.5s", "2m", "1h", "250us" or a bare number of seconds; above 0.
std::chrono::microseconds parse_duration(std::string_view flag, std::string_view text);

/// "LEVEL:DURATION,..." e.g. "0:5s,32:10s,0:5s"; at least one step, levels up to `max_level`.
std::vector<load_step> parse_steps(std::string_view flag, std::string_view text,
                                   unsigned max_level);

/// "NAME" (weight 1) or "NAME=WEIGHT" with WEIGHT in 1..10000.
model_weight parse_model(std::string_view flag, std::string_view text);

/// "Name: value"; the name must be a valid HTTP token, the value has no CR or LF.
header_field parse_header(std::string_view flag, std::string_view text);

/// "http://host[:port][/path]" (the scheme may be left out). The path is a base: "" or "/"
/// becomes /v1/chat/completions, a path ending in /chat/completions is kept, any other path
/// gets /chat/completions appended (like an OpenAI SDK's base_url: ".../v1").
target_url parse_target(std::string_view flag, std::string_view text);

/// A whole number in [min, max].
std::uint64_t parse_count(std::string_view flag, std::string_view text, std::uint64_t min,
                          std::uint64_t max);

/// A finite number above 0 and at most `max`.
double parse_positive(std::string_view flag, std::string_view text, double max);

/// "ttft=200ms,tpot=50ms,e2e=2s": any of ttft, tpot and e2e (or e2el), each at most once,
/// each a duration as parse_duration reads it.
slo_targets parse_slo(std::string_view flag, std::string_view text);

/// "50,90,95,99": 1 to 20 percentiles from 0 to 100, returned sorted without duplicates.
std::vector<double> parse_percentiles(std::string_view flag, std::string_view text);

/// "rate=1,2,4,8" (rates above 0, at most `max_rate`) or "concurrency=1,4,16" (client counts
/// from 1 to `max_clients`): 1 to 100 values.
sweep_plan parse_sweep(std::string_view flag, std::string_view text, double max_rate,
                       unsigned max_clients);

/// A number for keys and labels: 99 is "99", 99.9 is "99.9" (as vLLM names p99.9_ttft_ms).
std::string format_number(double value);

/// Steps as --steps reads them: "0:5s,32:10s,0:5s".
std::string format_steps(const std::vector<load_step>& steps);

/// A duration for people: "250ms", "1.5s", "10s", "2m30s" is written "150s".
std::string format_duration(std::chrono::microseconds value);

} // namespace janus::bench
