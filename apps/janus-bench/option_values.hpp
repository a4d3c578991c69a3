#pragma once

#include <chrono>
#include <cstdint>
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

/// A duration for people: "250ms", "1.5s", "10s", "2m30s" is written "150s".
std::string format_duration(std::chrono::microseconds value);

} // namespace janus::bench
