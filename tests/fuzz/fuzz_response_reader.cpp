// A container's answer as the chat path reads it (http/response_reader.cpp). Beyond not
// crashing: the answer read in pieces, into an output of any room, reads exactly as the whole
// answer does (head, framing, body, error, the surplus left); the body is never longer than the
// input; and an answer both this reader and Beast's parser read in full gets the same status and
// the same body from both (and the same keep-alive where the body has a length or none and one Connection field says it; Beast reads no further than an interim 1xx answer, so those are not compared), so the relay cannot find another end of an answer than a standard parser does.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>

#include "http/response_reader.hpp"
#include "tests/support/answer_reading.hpp"
#include "tests/fuzz/property.hpp"

namespace {

namespace bhttp = boost::beast::http;
using janus::http::response_reader;

/// Reads `answer` in pieces (`pieces` null: at once) into an output of `room` bytes, then the
/// connection's end.
janus::test::answer_reading read(std::string_view answer, janus::fuzz::piece_lengths* pieces,
                                 std::size_t room) {
  auto reading = janus::test::read_answer(
    answer, [pieces] { return pieces == nullptr ? std::size_t{0} : pieces->next(); }, room);
  janus::fuzz::require(reading.steps_in_bounds,
                       "a step takes only what it was given and puts out no more than it took");
  return reading;
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
