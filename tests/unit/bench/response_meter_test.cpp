#include "apps/janus-bench/response_meter.hpp"

#include <gtest/gtest.h>

namespace janus::bench {
namespace {

constexpr std::string_view role
  = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
constexpr std::string_view hello
  = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hello \"}}]}\n\n";
constexpr std::string_view world
  = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"world\"}}]}\n\n";
constexpr std::string_view finish
  = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
constexpr std::string_view done = "data: [DONE]\n\n";

constexpr std::string_view usage
  = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":9}}\n\n";

TEST(bench_response_meter, the_first_token_is_the_first_chunk_with_content_not_the_role_chunk) {
  response_meter meter{true};
  meter.on_body(role, 100);
  EXPECT_EQ(meter.first_token_us(), -1);
  meter.on_body(hello, 200);
  meter.on_body(std::string{world} + std::string{finish}, 300);
  meter.on_body(done, 400);
  meter.finish(true);
  EXPECT_FALSE(meter.failed()) << meter.failure();
  EXPECT_EQ(meter.first_token_us(), 200);
  EXPECT_EQ(meter.output_tokens(), 2u);
  EXPECT_EQ(meter.tokens_from(), token_source::chunks);
  EXPECT_EQ(meter.chunks(), 2u);
  EXPECT_EQ(meter.events(), 5u);
}

TEST(bench_response_meter, the_first_token_time_is_when_its_last_byte_came) {
  response_meter meter{true};
  meter.on_body(hello.substr(0, 10), 100);
  EXPECT_EQ(meter.first_token_us(), -1);
  meter.on_body(hello.substr(10), 250);
  EXPECT_EQ(meter.first_token_us(), 250);
}

TEST(bench_response_meter, inter_token_latencies_are_the_gaps_between_content_chunks) {
  response_meter meter{true};
  meter.on_body(role, 50);
  meter.on_body(hello, 1'000);
  meter.on_body(world, 6'000);
  meter.on_body(finish, 9'000);
  meter.on_body(hello, 13'000);
  meter.on_body(usage, 20'000);
  meter.on_body(done, 21'000);
  meter.finish(true);
  // The role, finish and usage chunks carry no content: they are not tokens and end no gap.
  EXPECT_EQ(meter.itls(), (std::vector<std::uint32_t>{5'000, 7'000}));
  EXPECT_EQ(meter.chunks(), 3u);
  auto taken = meter.take_itls();
  EXPECT_EQ(taken.size(), 2u);
}

TEST(bench_response_meter, chunks_that_arrive_in_one_read_are_zero_apart) {
  response_meter meter{true};
  meter.on_body(std::string{hello} + std::string{world}, 700);
  EXPECT_EQ(meter.first_token_us(), 700);
  EXPECT_EQ(meter.itls(), (std::vector<std::uint32_t>{0}));
}

TEST(bench_response_meter, a_stream_with_usage_takes_its_output_tokens_from_usage) {
  response_meter meter{true};
  meter.on_body(role, 1);
  meter.on_body(hello, 2);
  meter.on_body(world, 3);
  meter.on_body(usage, 4);
  meter.on_body(done, 5);
  meter.finish(true);
  EXPECT_EQ(meter.output_tokens(), 9u);
  EXPECT_EQ(meter.tokens_from(), token_source::usage);
  EXPECT_EQ(meter.input_tokens(), 3u);
  EXPECT_EQ(meter.chunks(), 2u);
}

TEST(bench_response_meter, a_frame_nested_too_deep_fails_even_when_it_is_valid_json) {
  response_meter meter{true};
  std::string deep = "data: {\"x\":" + std::string(1000, '[') + std::string(1000, ']') + "}\n\n";
  meter.on_body(deep, 1);
  meter.on_body(done, 2);
  meter.finish(true);
  EXPECT_EQ(meter.failure(), "a stream frame is not a JSON object");
}

TEST(bench_response_meter, an_endless_frame_fails_at_the_event_bound) {
  response_meter meter{true};
  const std::string piece(64 * 1024, 'x');
  meter.on_body("data: ", 1);
  for (int i = 0; i < 65 && !meter.failed(); ++i) {
    meter.on_body(piece, 2);
  }
  EXPECT_EQ(meter.failure(), "a stream frame is over 4 MiB");
}

TEST(bench_response_meter, an_error_frame_fails_the_stream_with_its_message) {
  response_meter meter{true};
  meter.on_body(hello, 1);
  meter.on_body(R"(data: {"error":{"message":"upstream died","type":"server_error"}})"
                "\n\n",
                2);
  meter.on_body(done, 3);
  meter.finish(true);
  EXPECT_TRUE(meter.failed());
  EXPECT_EQ(meter.failure(), "error frame: upstream died");
  EXPECT_EQ(meter.output_tokens(), 1u);
}

TEST(bench_response_meter, a_cut_stream_fails) {
  response_meter meter{true};
  meter.on_body(role, 1);
  meter.on_body(hello, 2);
  meter.finish(false);
  EXPECT_TRUE(meter.failed());
  EXPECT_EQ(meter.failure(), "stream cut after 2 frames");
}

TEST(bench_response_meter, a_stream_that_ends_mid_frame_fails_even_when_http_says_complete) {
  response_meter meter{true};
  meter.on_body(role, 1);
  meter.on_body("data: {\"choi", 2);
  meter.finish(true);
  EXPECT_TRUE(meter.failed());
}

TEST(bench_response_meter, a_stream_without_done_fails) {
  response_meter meter{true};
  meter.on_body(role, 1);
  meter.on_body(finish, 2);
  meter.finish(true);
  EXPECT_EQ(meter.failure(), "stream ended without data: [DONE]");
}

TEST(bench_response_meter, a_frame_that_is_not_json_fails) {
  response_meter meter{true};
  meter.on_body("data: not json\n\n", 1);
  meter.on_body(done, 2);
  meter.finish(true);
  EXPECT_EQ(meter.failure(), "a stream frame is not a JSON object");
}

TEST(bench_response_meter, several_choices_count_one_token_each) {
  response_meter meter{true};
  meter.on_body(R"(data: {"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}},)"
                R"({"delta":{"content":null}}]})"
                "\n\n",
                1);
  meter.on_body(done, 2);
  meter.finish(true);
  EXPECT_EQ(meter.output_tokens(), 2u);
  EXPECT_EQ(meter.chunks(), 1u);
}

TEST(bench_response_meter, a_whole_answer_reads_usage_completion_tokens) {
  response_meter meter{false};
  meter.on_body(R"({"choices":[{"message":{"content":"a b c"}}],)", 1);
  meter.on_body(R"("usage":{"prompt_tokens":3,"completion_tokens":7,"total_tokens":10}})", 2);
  meter.finish(true);
  EXPECT_FALSE(meter.failed()) << meter.failure();
  EXPECT_EQ(meter.output_tokens(), 7u);
  EXPECT_EQ(meter.input_tokens(), 3u);
  EXPECT_EQ(meter.tokens_from(), token_source::usage);
  EXPECT_EQ(meter.first_token_us(), -1);
  EXPECT_TRUE(meter.itls().empty());
}

TEST(bench_response_meter, a_whole_answer_without_usage_has_zero_tokens_from_nowhere) {
  response_meter meter{false};
  meter.on_body(R"({"choices":[]})", 1);
  meter.finish(true);
  EXPECT_FALSE(meter.failed());
  EXPECT_EQ(meter.output_tokens(), 0u);
  EXPECT_EQ(meter.tokens_from(), token_source::none);
}

TEST(bench_response_meter, an_error_body_or_a_cut_answer_fails) {
  response_meter error{false};
  error.on_body(R"({"error":{"message":"no capacity","code":"no_capacity"}})", 1);
  error.finish(true);
  EXPECT_EQ(error.failure(), "error answer: no capacity");

  response_meter cut{false};
  cut.on_body(R"({"choices":)", 1);
  cut.finish(false);
  EXPECT_EQ(cut.failure(), "answer cut short");

  response_meter garbage{false};
  garbage.on_body("<html>", 1);
  garbage.finish(true);
  EXPECT_EQ(garbage.failure(), "the answer is not a JSON object");
}

} // namespace
} // namespace janus::bench
