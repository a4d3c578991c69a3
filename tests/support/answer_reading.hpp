#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/response_reader.hpp"

namespace janus::test {

/// What a response_reader made of a whole answer, as its unit test and its fuzz target compare
/// readings of one answer arriving in different ways.
struct answer_reading {
  boost::system::error_code error;
  bool head_done = false;
  bool done = false;
  unsigned status = 0;
  unsigned version = 0;
  http::response_reader::framing framing = http::response_reader::framing::none;
  std::optional<std::uint64_t> length;
  bool keep_alive = false;
  std::string type;
  std::string cache;
  std::string body;
  /// Bytes of the input left after the body (a pipelined surplus).
  std::size_t left = 0;
  /// Every step took only bytes it was given and put out no more than it took and had room for.
  bool steps_in_bounds = true;

  bool operator==(const answer_reading&) const = default;
};

/// Reads `answer` arriving in pieces of `next_piece()` bytes (0 or a nullptr: all that is left)
/// into an output of `room` bytes, as the chat path does: the head from everything received,
/// then the body from what follows it; then the connection's end when `closed`.
template <class NextPiece>
answer_reading read_answer(std::string_view answer, NextPiece next_piece, std::size_t room,
                           bool closed = true,
                           std::size_t head_limit = http::response_reader::default_head_limit) {
  http::response_reader reader{head_limit};
  answer_reading out;
  std::string received;
  std::size_t offset = 0; // bytes of `received` taken
  std::vector<char> output(room);
  while (!out.error && !reader.done()) {
    auto unread = answer.size() - received.size();
    auto wanted = next_piece();
    auto n = wanted == 0 ? unread : std::min(wanted, unread);
    received.append(answer.substr(received.size(), n));
    if (!reader.head_done()) {
      auto step = reader.read_head(std::string_view{received}.substr(offset));
      out.steps_in_bounds = out.steps_in_bounds && step.taken <= received.size() - offset;
      out.error = step.error;
      offset += step.taken;
    }
    while (!out.error && reader.head_done() && !reader.done() && offset < received.size()) {
      auto step = reader.read_body(std::string_view{received}.substr(offset), output);
      out.steps_in_bounds = out.steps_in_bounds && step.taken <= received.size() - offset
                            && step.produced <= room && step.produced <= step.taken;
      out.error = step.error;
      offset += step.taken;
      out.body.append(output.data(), step.produced);
      if (step.taken == 0 && step.produced == 0) {
        break;
      }
    }
    if (n == 0 && !out.error && !reader.done()) {
      if (closed) {
        out.error = reader.end_of_input();
      }
      break;
    }
  }
  out.head_done = reader.head_done();
  out.done = reader.done();
  out.status = reader.status();
  out.version = reader.version();
  out.framing = reader.body_framing();
  out.length = reader.content_length();
  out.keep_alive = reader.keep_alive();
  out.type = reader.content_type();
  out.cache = reader.cache_control();
  out.left = answer.size() - offset;
  return out;
}

} // namespace janus::test
