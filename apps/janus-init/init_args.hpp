#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace janus::init {

/// What janus-init was asked to do: wait until 127.0.0.1:`port` accepts, for `wait` at most,
/// then run `program` (argv, `program[0]` looked up in PATH when it has no '/').
struct init_args {
  std::uint16_t port = 0;
  std::chrono::milliseconds wait{0};
  std::vector<std::string> program;
};

/// Reads `janus-init PORT WAIT_MS -- PROGRAM [ARG...]` (argv without argv[0]); nullopt with
/// `error` set when it is not that: PORT 1-65535, WAIT_MS 1-600000, a non-empty program.
std::optional<init_args> parse_init_args(const std::vector<std::string>& args, std::string& error);

} // namespace janus::init
