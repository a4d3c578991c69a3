// A container's answer as the chat path reads it (http/response_reader.cpp). Beyond not
// crashing: the answer read in pieces, into an output of any room, reads exactly as the whole
// answer does (head, framing, body, error, the surplus left); the body is never longer than the
// input; and an answer both this reader and Beast's parser read in full gets the same status and
// the same body from both (and the same keep-alive where the body has a length or none and one Connection field says it; Beast reads no further than an interim 1xx answer, so those are not compared), so the relay cannot find another end of an answer than a standard parser does.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>
#include <vector>

#include "http/response_reader.hpp"
#include "tests/fuzz/property.hpp"

namespace {

namespace bhttp = boost::beast::http;
using janus::http::response_reader;

struct reading {
  boost::system::error_code error;
  bool done = false;
  unsigned status = 0;
  response_reader::framing framing = response_reader::framing::none;
  std::optional<std::uint64_t> length;
  bool keep_alive = false;
  std::string type;
  std::string cache;
  std::string body;
  std::size_t left = 0;

  bool operator==(const reading&) const = default;
};

/// Reads `answer` in pieces (`pieces` null: at once) into an output of `room` bytes, then the
/// connection's end.
reading read(std::string_view answer, janus::fuzz::piece_lengths* pieces, std::size_t room) {
  response_reader reader;
  reading out;
  std::string received;
  std::size_t offset = 0;
  std::vector<char> output(room);
  while (!out.error && !reader.done()) {
    auto unread = answer.size() - received.size();
    auto n = pieces == nullptr ? unread : std::min(pieces->next(), unread);
    received.append(answer.substr(received.size(), n));
    if (!reader.head_done()) {
      auto step = reader.read_head(std::string_view{received}.substr(offset));
      janus::fuzz::require(step.taken <= received.size() - offset, "the head taken was received");
      out.error = step.error;
      offset += step.taken;
    }
    while (!out.error && reader.head_done() && !reader.done() && offset < received.size()) {
      auto step = reader.read_body(std::string_view{received}.substr(offset), output);
      janus::fuzz::require(step.taken <= received.size() - offset && step.produced <= room
                             && step.produced <= step.taken,
                           "a body step takes what it has and puts out no more");
      out.error = step.error;
      offset += step.taken;
      out.body.append(output.data(), step.produced);
      if (step.taken == 0 && step.produced == 0) {
        break;
      }
    }
    if (n == 0 && !out.error && !reader.done()) {
      out.error = reader.end_of_input();
      break;
    }
  }
  out.done = reader.done();
  out.status = reader.status();
  out.framing = reader.body_framing();
  out.length = reader.content_length();
  out.keep_alive = reader.keep_alive();
  out.type = reader.content_type();
  out.cache = reader.cache_control();
  out.left = answer.size() - offset;
  return out;
}

struct beast_reading {
  bool ok = false;
  unsigned status = 0;
  bool keep_alive = false;
  /// Beast reads only the first of several Connection fields; this reader their list.
  std::size_t connection_fields = 0;
  std::string body;
};

beast_reading read_with_beast(std::string_view answer) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(response_reader::default_head_limit));
  parser.body_limit(boost::none);
  parser.eager(true);
  boost::beast::error_code ec;
  auto rest = answer;
  while (!parser.is_done()) {
    auto used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (ec == bhttp::error::need_more) {
      ec = {};
      parser.put_eof(ec);
      break;
    }
    if (ec || used == 0) {
      break;
    }
  }
  beast_reading out;
  out.ok = !ec && parser.is_done();
  if (out.ok) {
    out.status = parser.get().result_int();
    out.keep_alive = parser.get().keep_alive();
    out.connection_fields = parser.get().count(bhttp::field::connection);
    out.body = parser.get().body();
  }
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const auto answer = fuzz::text_of(data, size);
  const auto at_once = read(answer, nullptr, 16 * 1024);
  fuzz::require(at_once.body.size() <= answer.size(), "the body is no longer than the answer");
  fuzz::require(!at_once.done || !at_once.error, "a failed answer is not done");

  fuzz::piece_lengths lengths{answer};
  fuzz::require(read(answer, &lengths, 16 * 1024) == at_once, "pieces read like the whole answer");
  fuzz::piece_lengths more{answer};
  fuzz::require(read(answer, &more, 3) == at_once, "a small output reads like a large one");

  if (at_once.done && !at_once.error && at_once.status >= 200) {
    auto beast = read_with_beast(answer);
    // Beast takes an interim answer (1xx) for the answer; this reader skips it.
    if (beast.ok && beast.status >= 200) {
      fuzz::require(beast.status == at_once.status, "Beast reads the same status");
      fuzz::require(beast.body == at_once.body, "Beast reads the same body");
      // Not for a chunked body: Beast adds its trailer's fields to the head (a `Connection:
      // close` there ends the connection), and this reader, as RFC 9110 6.5.1 wants, does not.
      if ((at_once.framing == response_reader::framing::length
           || at_once.framing == response_reader::framing::none)
          && beast.connection_fields <= 1) {
        fuzz::require(beast.keep_alive == at_once.keep_alive, "Beast reads the same keep-alive");
      }
    }
  }
  return 0;
}
