#include "http/response_reader.hpp"
#include "tests/support/answer_reading.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace janus::http {
namespace {

using test::answer_reading;

/// Reads `answer` arriving in pieces of `piece` bytes (0: at once) into an output of `room`
/// bytes, then the connection's end when `closed`.
answer_reading read(std::string_view answer, std::size_t piece = 0, std::size_t room = 16 * 1024,
                    bool closed = true,
                    std::size_t head_limit = response_reader::default_head_limit) {
  auto reading = test::read_answer(answer, [piece] { return piece; }, room, closed, head_limit);
  EXPECT_TRUE(reading.steps_in_bounds);
  return reading;
}

constexpr std::string_view whole_json =
  "HTTP/1.1 200 OK\r\n"
  "content-type: application/json\r\n"
  "Server: janus-baseline\r\n"
  "Content-Length: 11\r\n"
  "\r\n"
  R"({"ok":true})";

constexpr std::string_view chunked_stream =
  "HTTP/1.1 200 OK\r\n"
  "Content-Type: text/event-stream\r\n"
  "Cache-Control: no-cache\r\n"
  "Transfer-Encoding: chunked\r\n"
  "\r\n"
  "f\r\ndata: {\"a\":1}\n\n\r\n"
  "00000010;name=value\r\ndata: [DONE]\n\n\r\n\r\n"
  "0\r\n"
  "X-Trailer: yes\r\n"
  "\r\n";

TEST(response_reader, a_whole_answer_with_its_length_is_read_with_its_fields) {
  auto got = read(whole_json);
  EXPECT_FALSE(got.error) << got.error.message();
  EXPECT_TRUE(got.done);
  EXPECT_EQ(got.status, 200U);
  EXPECT_EQ(got.version, 11U);
  EXPECT_EQ(got.framing, response_reader::framing::length);
  EXPECT_EQ(got.length, 11U);
  EXPECT_TRUE(got.keep_alive);
  EXPECT_EQ(got.type, "application/json");
  EXPECT_EQ(got.cache, "");
  EXPECT_EQ(got.body, R"({"ok":true})");
  EXPECT_EQ(got.left, 0U);
}

TEST(response_reader, a_chunked_stream_is_decoded_without_its_extensions_and_trailer) {
  auto got = read(chunked_stream);
  EXPECT_FALSE(got.error) << got.error.message();
  EXPECT_TRUE(got.done);
  EXPECT_EQ(got.framing, response_reader::framing::chunked);
  EXPECT_EQ(got.length, std::nullopt);
  EXPECT_EQ(got.type, "text/event-stream");
  EXPECT_EQ(got.cache, "no-cache");
  EXPECT_EQ(got.body, "data: {\"a\":1}\n\ndata: [DONE]\n\n\r\n");
  EXPECT_EQ(got.left, 0U);
}

TEST(response_reader, pieces_of_any_size_and_any_output_room_read_like_the_whole_answer) {
  for (auto answer : {whole_json, chunked_stream}) {
    auto at_once = read(answer);
    for (std::size_t piece = 1; piece <= answer.size(); ++piece) {
      for (std::size_t room : {std::size_t{1}, std::size_t{3}, std::size_t{16 * 1024}}) {
        ASSERT_EQ(read(answer, piece, room), at_once) << "piece " << piece << ", room " << room;
      }
    }
  }
}

TEST(response_reader, nothing_after_the_body_is_taken) {
  auto got = read(std::string{whole_json} + "HTTP/1.1 200 OK\r\n");
  EXPECT_TRUE(got.done);
  EXPECT_EQ(got.left, 17U);
  auto chunked = read(std::string{chunked_stream} + "extra");
  EXPECT_TRUE(chunked.done);
  EXPECT_EQ(chunked.left, 5U);
}

TEST(response_reader, a_body_without_length_ends_with_the_connection_which_is_not_kept) {
  auto got = read("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end");
  EXPECT_FALSE(got.error);
  EXPECT_TRUE(got.done);
  EXPECT_EQ(got.framing, response_reader::framing::until_close);
  EXPECT_FALSE(got.keep_alive);
  EXPECT_EQ(got.body, "to the end");
  auto open = read("HTTP/1.1 200 OK\r\n\r\nso far", 0, 1024, false);
  EXPECT_FALSE(open.done);
}

TEST(response_reader, keep_alive_follows_the_version_and_the_connection_tokens) {
  EXPECT_TRUE(read("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
  EXPECT_FALSE(read("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, close\r\nContent-Length: 0\r\n\r\n")
                 .keep_alive);
  EXPECT_FALSE(read("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
  auto kept = read("HTTP/1.0 200 OK\r\nconnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(kept.keep_alive);
  EXPECT_EQ(kept.version, 10U);
}

TEST(response_reader, answers_without_a_body_are_done_with_their_head) {
  for (std::string_view answer : {"HTTP/1.1 204 No Content\r\n\r\n",
                                  "HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\n\r\n"}) {
    auto got = read(answer, 0, 1024, false);
    EXPECT_FALSE(got.error);
    EXPECT_TRUE(got.done) << answer;
    EXPECT_EQ(got.framing, response_reader::framing::none);
    EXPECT_EQ(got.length, std::nullopt);
    EXPECT_TRUE(got.keep_alive);
  }
}

TEST(response_reader, interim_answers_are_skipped_and_their_fields_forgotten) {
  auto got = read("HTTP/1.1 100 Continue\r\n\r\n"
                  "HTTP/1.1 103 Early Hints\r\nContent-Type: text/html\r\nLink: </a>\r\n\r\n"
                  "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\nno");
  EXPECT_FALSE(got.error) << got.error.message();
  EXPECT_EQ(got.status, 503U);
  EXPECT_EQ(got.type, "");
  EXPECT_EQ(got.body, "no");
}

TEST(response_reader, a_reason_phrase_may_be_empty_or_missing_and_values_are_trimmed) {
  EXPECT_EQ(read("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").status, 200U);
  EXPECT_EQ(read("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n").status, 404U);
  auto got = read("HTTP/1.1 200 OK\r\nContent-Type:\t text/plain; charset=\xc3\xa9  \r\n"
                  "Content-Type: second\r\nContent-Length:3\r\n\r\nabc");
  EXPECT_EQ(got.type, "text/plain; charset=\xc3\xa9");
  EXPECT_EQ(got.body, "abc");
}

struct refusal {
  const char* what;
  std::string answer;
  answer_error expected;
};

class response_reader_refuses : public ::testing::TestWithParam<refusal> {};

TEST_P(response_reader_refuses, with_its_own_error_however_the_answer_arrives) {
  const auto& [what, answer, expected] = GetParam();
  for (std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
    auto got = read(answer, piece);
    EXPECT_EQ(got.error, make_error_code(expected))
      << what << " (pieces of " << piece << "): " << got.error.message();
  }
}

std::vector<refusal> refusals() {
  const std::string ok = "HTTP/1.1 200 OK\r\n";
  const std::string chunked = ok + "Transfer-Encoding: chunked\r\n\r\n";
  return {
    {"nothing", "", answer_error::closed_before_answer},
    {"half a head", ok + "Content-Len", answer_error::ended_early},
    {"half a body", ok + "Content-Length: 10\r\n\r\nabc", answer_error::ended_early},
    {"half a chunked body", chunked + "5\r\nab", answer_error::ended_early},
    {"no last chunk", chunked + "1\r\na\r\n", answer_error::ended_early},
    {"not http", "SSH-2.0-OpenSSH\r\n\r\n", answer_error::bad_status_line},
    {"http/2", "HTTP/2 200\r\n\r\n", answer_error::bad_version},
    {"http/1.2", "HTTP/1.2 200 OK\r\n\r\n", answer_error::bad_version},
    {"two-digit status", "HTTP/1.1 20 OK\r\n\r\n", answer_error::bad_status_line},
    {"status 099", "HTTP/1.1 099 Low\r\n\r\n", answer_error::bad_status_line},
    {"no space after status", "HTTP/1.1 200OK\r\n\r\n", answer_error::bad_status_line},
    {"control in reason", "HTTP/1.1 200 O\x01K\r\n\r\n", answer_error::bad_status_line},
    {"bare line feed", ok + "Content-Length: 0\n\r\n", answer_error::bare_line_feed},
    {"bare line feed ending", "HTTP/1.1 200 OK\n\n", answer_error::bare_line_feed},
    {"bare carriage return", ok + "A: b\rc\r\n\r\n", answer_error::bad_field},
    {"space before colon", ok + "Content-Length : 0\r\n\r\n", answer_error::bad_field},
    {"no colon", ok + "Content-Length 0\r\n\r\n", answer_error::bad_field},
    {"empty name", ok + ": x\r\n\r\n", answer_error::bad_field},
    {"nul in value", ok + std::string{"A: b\0c\r\n\r\n", 10}, answer_error::bad_field},
    {"folded field", ok + "A: b\r\n c\r\n\r\n", answer_error::folded_field},
    {"two lengths", ok + "Content-Length: 1\r\nContent-Length: 1\r\n\r\na",
     answer_error::bad_content_length},
    {"a list of lengths", ok + "Content-Length: 1, 1\r\n\r\na", answer_error::bad_content_length},
    {"signed length", ok + "Content-Length: +1\r\n\r\na", answer_error::bad_content_length},
    {"empty length", ok + "Content-Length: \r\n\r\n", answer_error::bad_content_length},
    {"huge length", ok + "Content-Length: 9999999999999999999\r\n\r\n",
     answer_error::bad_content_length},
    {"gzip", ok + "Transfer-Encoding: gzip, chunked\r\n\r\n", answer_error::bad_transfer_encoding},
    {"chunked twice", ok + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
     answer_error::bad_transfer_encoding},
    {"chunked in http/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     answer_error::bad_transfer_encoding},
    {"length and chunked", ok + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
     answer_error::length_and_chunked},
    {"upgrade", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
     answer_error::switching_protocols},
    {"head past its limit", ok + "A: " + std::string(9000, 'a') + "\r\n\r\n",
     answer_error::head_too_large},
    {"no end in the limit", ok + std::string(9000, 'a'), answer_error::head_too_large},
    {"interim answers past the limit",
     [] {
       std::string many;
       for (int i = 0; i < 400; ++i) {
         many += "HTTP/1.1 100 Continue\r\n\r\n";
       }
       return many + "HTTP/1.1 200 OK\r\n\r\n";
     }(),
     answer_error::head_too_large},
    {"chunk size not hex", chunked + "g\r\n", answer_error::bad_chunk},
    {"chunk size missing", chunked + "\r\n", answer_error::bad_chunk},
    {"chunk size overflow", chunked + "10000000000000000\r\n", answer_error::bad_chunk},
    {"chunk size then junk", chunked + "5 6\r\nhello\r\n", answer_error::bad_chunk},
    {"chunk line feed alone", chunked + "5\nhello\r\n", answer_error::bad_chunk},
    {"chunk data too long", chunked + "3\r\nhello\r\n", answer_error::bad_chunk},
    {"chunk line too long", chunked + "5;" + std::string(5000, 'x') + "\r\n",
     answer_error::chunk_line_too_long},
    {"leading zeros past the line limit", chunked + std::string(5000, '0') + "1\r\n",
     answer_error::chunk_line_too_long},
    {"trailer too large", chunked + "0\r\nX: " + std::string(9000, 't') + "\r\n\r\n",
     answer_error::trailer_too_large},
    {"trailer bare line feed", chunked + "0\r\nX: y\n\r\n", answer_error::bad_chunk},
  };
}

INSTANTIATE_TEST_SUITE_P(each_case, response_reader_refuses, ::testing::ValuesIn(refusals()),
                         [](const auto& info) {
                           std::string name = info.param.what;
                           for (auto& c : name) {
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });

TEST(response_reader, a_larger_head_limit_takes_a_larger_head) {
  std::string answer = "HTTP/1.1 200 OK\r\nA: " + std::string(20000, 'a') + "\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(read(answer).error, make_error_code(answer_error::head_too_large));
  auto got = read(answer, 0, 1024, true, 64 * 1024);
  EXPECT_FALSE(got.error);
  EXPECT_TRUE(got.done);
}

TEST(response_reader, reset_starts_a_new_answer) {
  response_reader reader;
  auto first = reader.read_head("HTTP/1.1 404 Not Found\r\nContent-Type: a/b\r\nContent-Length: 0\r\n\r\n");
  ASSERT_FALSE(first.error);
  EXPECT_TRUE(reader.done());
  reader.reset(response_reader::default_head_limit);
  EXPECT_FALSE(reader.head_done());
  EXPECT_EQ(reader.content_type(), "");
  auto second = reader.read_head("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
  ASSERT_FALSE(second.error);
  EXPECT_EQ(reader.status(), 200U);
  EXPECT_EQ(second.taken, 38U);
  EXPECT_FALSE(reader.done());
}

TEST(response_reader, errors_say_what_was_wrong) {
  EXPECT_EQ(make_error_code(answer_error::bad_content_length).message(),
            "the answer's Content-Length is malformed or given twice");
  EXPECT_STREQ(make_error_code(answer_error::bad_chunk).category().name(), "janus.answer");
}

} // namespace
} // namespace janus::http
