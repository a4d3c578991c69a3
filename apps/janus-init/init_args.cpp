#include "apps/janus-init/init_args.hpp"

namespace janus::init {

namespace {

/// `text` as a number in [low, high]; nullopt when it is anything else (digits only).
std::optional<std::uint64_t> number_in(const std::string& text, std::uint64_t low,
                                       std::uint64_t high) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  auto value = std::stoull(text);
  if (value < low || value > high) {
    return std::nullopt;
  }
  return value;
}

} // namespace

std::optional<init_args> parse_init_args(const std::vector<std::string>& args,
                                         std::string& error) {
  if (args.size() < 4 || args[2] != "--") {
    error = "usage: janus-init PORT WAIT_MS -- PROGRAM [ARG...]";
    return std::nullopt;
  }
  auto port = number_in(args[0], 1, 65535);
  if (!port) {
    error = "PORT must be a number from 1 to 65535, got \"" + args[0] + "\"";
    return std::nullopt;
  }
  auto wait = number_in(args[1], 1, 600000);
  if (!wait) {
    error = "WAIT_MS must be a number from 1 to 600000, got \"" + args[1] + "\"";
    return std::nullopt;
  }
  if (args[3].empty()) {
    error = "the program must not be empty";
    return std::nullopt;
  }
  init_args out;
  out.port = static_cast<std::uint16_t>(*port);
  out.wait = std::chrono::milliseconds{*wait};
  out.program.assign(args.begin() + 3, args.end());
  return out;
}

} // namespace janus::init
