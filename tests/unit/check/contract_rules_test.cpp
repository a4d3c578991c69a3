#include "apps/janus-check/contract_rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/utf8.hpp"

namespace janus::check {
namespace {

using namespace std::chrono_literals;

const std::string completion =
  R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m",)"
  R"("choices":[{"index":0,"message":{"role":"assistant","content":"hello there"},)"
  R"("logprobs":null,"finish_reason":"stop"}],)"
  R"("usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";

observed_response answer(unsigned status, std::string content_type, std::string body) {
  observed_response out;
  out.status = status;
  out.content_type = std::move(content_type);
  out.body = std::move(body);
  out.took = 3ms;
  return out;
}

observed_response json_answer(std::string body) {
  return answer(200, "application/json", std::move(body));
}

/// `text` with the first `from` replaced by `to`.
std::string with(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

const std::string head = R"("id":"chatcmpl-7","object":"chat.completion.chunk","created":1700000000,"model":"m",)";

std::string chunk(const std::string& choices, const std::string& tail = {}) {
  return "{" + head + R"("choices":)" + choices + tail + "}";
}

std::string role_chunk() {
  return chunk(R"([{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}])");
}

std::string content_chunk(const std::string& text) {
  return chunk(R"([{"index":0,"delta":{"content":")" + text + R"("},"finish_reason":null}])");
}

std::string finish_chunk() {
  return chunk(R"([{"index":0,"delta":{},"finish_reason":"stop"}])");
}

std::string usage_chunk() {
  return chunk("[]", R"(,"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5})");
}

/// The frames as a text/event-stream body, each `data: <payload>\n\n`.
std::string sse(const std::vector<std::string>& payloads) {
  std::string out;
  for (const auto& payload : payloads) {
    out += "data: " + payload + "\n\n";
  }
  return out;
}

observed_response stream_answer(const std::vector<std::string>& payloads) {
  return answer(200, "text/event-stream", sse(payloads));
}

std::vector<std::string> good_stream() {
  return {role_chunk(), content_chunk("hello "), content_chunk("there"), finish_chunk(),
          "[DONE]"};
}

std::vector<std::string> good_usage_stream() {
  return {role_chunk(), content_chunk("hello"), finish_chunk(), usage_chunk(), "[DONE]"};
}

// -- chat ----------------------------------------------------------------------------------

TEST(contract_rules, a_completion_in_openais_shape_passes_chat_with_its_figures) {
  auto result = judge_chat(json_answer(completion));
  EXPECT_EQ(result.rule, rule_id::chat);
  EXPECT_TRUE(result.required);
  EXPECT_EQ(result.outcome, verdict::pass) << result.observed;
  EXPECT_EQ(result.observed,
            R"(200 application/json in 3 ms: finish_reason "stop", 2 completion tokens)");
}

TEST(contract_rules, chat_accepts_a_content_type_with_parameters_in_any_case) {
  auto seen = answer(200, "Application/JSON; charset=utf-8", completion);
  EXPECT_EQ(judge_chat(seen).outcome, verdict::pass);
}

TEST(contract_rules, every_broken_field_of_a_completion_fails_chat_naming_the_field) {
  struct broken {
    std::string from;
    std::string to;
    std::string named;
  };
  const std::vector<broken> cases = {
    {R"("id":"chatcmpl-1",)", "", R"("id" is absent)"},
    {R"("object":"chat.completion")", R"("object":"chat.completion.chunk")",
     R"("object" is "chat.completion.chunk", not "chat.completion")"},
    {R"("created":1700000000)", R"("created":"1700000000")", R"("created" is "1700000000")"},
    {R"("created":1700000000)", R"("created":1.5)", R"("created" is a number, not an integer)"},
    {R"("model":"m",)", R"("model":null,)", R"("model" is null)"},
    {R"("role":"assistant")", R"("role":"user")", R"(choices[0].message.role is "user")"},
    {R"("content":"hello there")", R"("content":null)", "choices[0].message.content is null"},
    {R"("finish_reason":"stop")", R"("finish_reason":null)", "choices[0].finish_reason is null"},
    {R"("completion_tokens":2)", R"("completion_tokens":-2)",
     "usage.completion_tokens is a number, not a non-negative integer"},
  };
  for (const auto& c : cases) {
    auto result = judge_chat(json_answer(with(completion, c.from, c.to)));
    EXPECT_EQ(result.outcome, verdict::fail) << c.to;
    EXPECT_NE(result.observed.find(c.named), std::string::npos) << result.observed;
  }
  auto no_usage = completion.substr(0, completion.find(R"(,"usage")")) + "}";
  auto result = judge_chat(json_answer(no_usage));
  EXPECT_EQ(result.outcome, verdict::fail);
  EXPECT_EQ(result.observed, R"(the answer has no "usage" object (absent))");
  auto empty_choices = judge_chat(json_answer(
    R"({"id":"x","object":"chat.completion","created":1,"model":"m","choices":[]})"));
  EXPECT_NE(empty_choices.observed.find(R"("choices" is an array, not a non-empty array)"),
            std::string::npos)
    << empty_choices.observed;
}

TEST(contract_rules, chat_fails_on_another_status_content_type_or_no_answer_quoting_what_came) {
  auto server_error = judge_chat(answer(500, "text/plain", "boom"));
  EXPECT_EQ(server_error.outcome, verdict::fail);
  EXPECT_EQ(server_error.observed, "answered 500 (text/plain): boom");
  auto wrong_type = judge_chat(answer(200, "text/html", completion));
  EXPECT_EQ(wrong_type.observed, R"(200 with Content-Type "text/html", not application/json)");
  observed_response none;
  none.error = "no answer within 10000 ms";
  EXPECT_EQ(judge_chat(none).observed, "no answer: no answer within 10000 ms");
  auto cut = json_answer(completion.substr(0, 40));
  cut.error = "the connection closed before the answer ended";
  EXPECT_EQ(judge_chat(cut).outcome, verdict::fail);
  EXPECT_NE(judge_chat(cut).observed.find("closed before the answer ended"), std::string::npos);
}

TEST(contract_rules, a_body_that_is_not_json_or_nests_too_deep_fails_chat_without_crashing) {
  EXPECT_EQ(judge_chat(json_answer("not json")).observed,
            R"(the body is not a JSON object: "not json")");
  std::string deep(100000, '[');
  auto result = judge_chat(json_answer(deep));
  EXPECT_EQ(result.outcome, verdict::fail);
  EXPECT_EQ(result.observed.rfind("the body is not a JSON object: \"[[[[", 0), 0u);
  EXPECT_LE(result.observed.size(), 40 + max_excerpt_bytes);
}

// -- stream --------------------------------------------------------------------------------

TEST(contract_rules, a_stream_as_openai_sends_it_passes_stream) {
  auto result = judge_stream(stream_answer(good_stream()));
  EXPECT_EQ(result.outcome, verdict::pass) << result.observed;
  EXPECT_EQ(result.observed,
            R"(4 chunks with one id, role first, finish_reason "stop", then data: [DONE] (3 ms))");
}

TEST(contract_rules, stream_frames_may_end_lines_with_crlf_or_cr_and_carry_comments) {
  std::string body = ": keep-alive\r\n\r\n";
  for (const auto& payload : good_stream()) {
    body += "data: " + payload + "\r\n\r\n";
  }
  EXPECT_EQ(judge_stream(answer(200, "text/event-stream; charset=utf-8", body)).outcome,
            verdict::pass);
  std::string cr;
  for (const auto& payload : good_stream()) {
    cr += "data:" + payload + "\r\r";
  }
  EXPECT_EQ(judge_stream(answer(200, "text/event-stream", cr)).outcome, verdict::pass);
}

TEST(contract_rules, a_stream_without_done_fails_stream_saying_so) {
  auto frames = good_stream();
  frames.pop_back();
  auto result = judge_stream(stream_answer(frames));
  EXPECT_EQ(result.outcome, verdict::fail);
  EXPECT_EQ(result.observed, "the stream ended without data: [DONE] after 4 chunks");
}

TEST(contract_rules, a_chunk_with_the_wrong_object_fails_stream_naming_the_chunk) {
  auto frames = good_stream();
  frames[1] = with(frames[1], "chat.completion.chunk", "chat.completion");
  auto result = judge_stream(stream_answer(frames));
  EXPECT_EQ(result.observed,
            R"(chunk 2 has "object" "chat.completion", not "chat.completion.chunk")");
}

TEST(contract_rules, every_chunk_must_carry_the_first_chunks_id) {
  auto frames = good_stream();
  frames[2] = with(frames[2], "chatcmpl-7", "chatcmpl-8");
  EXPECT_EQ(judge_stream(stream_answer(frames)).observed,
            R"(chunk 3 has "id" "chatcmpl-8", chunk 1 had "chatcmpl-7")");
}

TEST(contract_rules, the_first_delta_must_carry_the_assistant_role) {
  auto frames = good_stream();
  frames.erase(frames.begin());
  EXPECT_EQ(judge_stream(stream_answer(frames)).observed,
            R"(the first delta (chunk 1) has "role" absent, not "assistant")");
}

TEST(contract_rules, finish_reason_must_be_on_the_last_content_chunk_and_nowhere_before) {
  auto missing = good_stream();
  missing.erase(missing.begin() + 3);
  EXPECT_EQ(judge_stream(stream_answer(missing)).observed,
            "the last content chunk has no finish_reason");
  auto early = good_stream();
  early[1] = with(early[1], R"("finish_reason":null)", R"("finish_reason":"length")");
  EXPECT_EQ(judge_stream(stream_answer(early)).observed,
            R"(chunk 2 has finish_reason "length", yet chunk 3 still has choices)");
}

TEST(contract_rules, a_stream_breaks_the_rule_with_any_frame_that_is_not_a_data_json_chunk) {
  auto frames = good_stream();
  frames[1] = "hello";
  EXPECT_EQ(judge_stream(stream_answer(frames)).observed,
            R"(frame 2 is not data: {json}: "hello")");
  auto error = good_stream();
  error[2] = R"({"error":{"message":"model crashed","type":"server_error"}})";
  EXPECT_EQ(judge_stream(stream_answer(error)).observed,
            R"(chunk 3 is an error: "model crashed")");
  auto with_event = "event: message\n" + sse(good_stream());
  EXPECT_EQ(judge_stream(answer(200, "text/event-stream", with_event)).observed,
            R"(frame 1 has a "event:" field: every frame is data: only)");
  auto after_done = good_stream();
  after_done.push_back(finish_chunk());
  EXPECT_EQ(judge_stream(stream_answer(after_done)).observed, "frame 6 follows data: [DONE]");
}

TEST(contract_rules, a_stream_cut_inside_a_frame_or_by_a_failure_fails_stream) {
  auto body = sse(good_stream());
  auto cut = answer(200, "text/event-stream", body.substr(0, body.size() - 1));
  EXPECT_EQ(judge_stream(cut).observed,
            "the stream ended inside a frame after 4 chunks (no empty line after it)");
  auto broken = stream_answer({role_chunk(), content_chunk("a")});
  broken.error = "the answer did not end within 10000 ms";
  EXPECT_EQ(judge_stream(broken).observed,
            "the stream broke after 2 chunks: the answer did not end within 10000 ms");
}

TEST(contract_rules, a_stream_answered_as_json_or_with_an_error_status_fails_stream) {
  EXPECT_EQ(judge_stream(json_answer(completion)).observed,
            R"(200 with Content-Type "application/json", not text/event-stream)");
  EXPECT_EQ(judge_stream(answer(404, "application/json", "{}")).observed,
            "answered 404 (application/json): {}");
}

// -- stream_usage --------------------------------------------------------------------------

TEST(contract_rules, a_usage_chunk_with_empty_choices_before_done_passes_stream_usage) {
  auto result = judge_stream_usage(stream_answer(good_usage_stream()));
  EXPECT_EQ(result.rule, rule_id::stream_usage);
  EXPECT_EQ(result.outcome, verdict::pass) << result.observed;
  EXPECT_EQ(result.observed,
            "a usage chunk before data: [DONE]: prompt 3, completion 2, total 5");
  EXPECT_EQ(judge_stream(stream_answer(good_usage_stream())).outcome, verdict::pass);
}

TEST(contract_rules, stream_usage_fails_without_a_usage_chunk_last_or_with_bad_counts) {
  EXPECT_EQ(judge_stream_usage(stream_answer(good_stream())).observed,
            R"(no chunk with empty "choices" and "usage" before data: [DONE])");
  auto bad = good_usage_stream();
  bad[3] = with(bad[3], R"("total_tokens":5)", R"("total_tokens":"5")");
  EXPECT_EQ(judge_stream_usage(stream_answer(bad)).observed,
            R"(chunk 4's usage.total_tokens is "5", not a non-negative integer)");
  auto not_last = std::vector<std::string>{role_chunk(), usage_chunk(), content_chunk("a"),
                                           finish_chunk(), "[DONE]"};
  EXPECT_EQ(judge_stream_usage(stream_answer(not_last)).outcome, verdict::fail);
  auto broken = good_usage_stream();
  broken.pop_back();
  EXPECT_EQ(judge_stream_usage(stream_answer(broken)).observed,
            "the stream ended without data: [DONE] after 4 chunks");
}

// -- models --------------------------------------------------------------------------------

TEST(contract_rules, models_is_optional_so_a_404_passes) {
  auto result = judge_models(answer(404, "application/json", R"({"error":{}})"));
  EXPECT_EQ(result.outcome, verdict::pass);
  EXPECT_EQ(result.observed, "absent (404): /v1/models is optional");
}

TEST(contract_rules, a_200_from_models_must_be_openais_list) {
  auto good = judge_models(json_answer(
    R"({"object":"list","data":[{"id":"m","object":"model","created":1,"owned_by":"x"}]})"));
  EXPECT_EQ(good.outcome, verdict::pass);
  EXPECT_EQ(good.observed, R"(200: a list of 1 model, the first "m")");
  EXPECT_EQ(judge_models(json_answer(R"({"object":"models","models":[]})")).observed,
            R"("object" is "models", not "list")");
  EXPECT_EQ(judge_models(json_answer(R"({"object":"list","data":{}})")).observed,
            R"("data" is an object, not an array)");
  EXPECT_EQ(judge_models(json_answer(R"({"object":"list","data":[{"object":"model"}]})")).observed,
            "data[0].id is absent, not a non-empty string");
  EXPECT_EQ(judge_models(json_answer(R"({"object":"list","data":[{"id":"m"}]})")).observed,
            R"(data[0].object is absent, not "model")");
  EXPECT_EQ(judge_models(answer(500, "", "")).outcome, verdict::fail);
}

// -- errors --------------------------------------------------------------------------------

TEST(contract_rules, a_4xx_to_a_malformed_body_passes_errors) {
  auto openai = judge_errors(answer(400, "application/json",
                                    R"({"error":{"message":"bad JSON","type":"x"}})"));
  EXPECT_EQ(openai.outcome, verdict::pass);
  EXPECT_EQ(openai.observed, "400 to a malformed body with an OpenAI error body");
  auto plain = judge_errors(answer(422, "text/plain", "no"));
  EXPECT_EQ(plain.outcome, verdict::pass);
  EXPECT_EQ(plain.observed, "422 to a malformed body, not an OpenAI error body (allowed)");
}

TEST(contract_rules, a_5xx_a_2xx_or_a_hang_after_a_malformed_body_fails_errors) {
  EXPECT_EQ(judge_errors(answer(500, "", "")).observed,
            "500 to a malformed body: a client's mistake must get a 4xx, not a server error");
  EXPECT_EQ(judge_errors(json_answer(completion)).observed,
            "200 to a malformed body: it must be refused with a 4xx");
  observed_response hang;
  hang.error = "no answer within 10000 ms";
  EXPECT_EQ(judge_errors(hang).observed,
            "no answer to a malformed body: no answer within 10000 ms");
}

// -- health --------------------------------------------------------------------------------

TEST(contract_rules, health_passes_with_the_boot_time_and_fails_saying_why) {
  health_observation ready;
  ready.ready = true;
  ready.boot = 43ms;
  EXPECT_EQ(judge_health(ready).outcome, verdict::pass);
  EXPECT_EQ(judge_health(ready).observed, "200 after 43 ms");

  health_observation late;
  late.timeout = 2000ms;
  late.probes = 40;
  late.last_failure = "the connection closed without an answer";
  EXPECT_EQ(judge_health(late).observed,
            "no 200 within 2000 ms (40 probes, the last: the connection closed without an "
            "answer)");

  health_observation ended;
  ended.exited = "exited with status 1";
  ended.boot = 120ms;
  EXPECT_EQ(judge_health(ended).observed,
            "the container exited with status 1 after 120 ms, before /health answered 200");

  health_observation refused;
  refused.start_failure = "cannot start container x: port is taken";
  EXPECT_EQ(judge_health(refused).observed,
            "the container did not start: cannot start container x: port is taken");
}

// -- sigterm -------------------------------------------------------------------------------

TEST(contract_rules, an_exit_within_the_grace_period_passes_sigterm) {
  stop_observation stop;
  stop.took = 85ms;
  stop.grace = 10s;
  auto result = judge_sigterm(stop);
  EXPECT_EQ(result.outcome, verdict::pass);
  EXPECT_EQ(result.observed, "exited with status 0, 85 ms after SIGTERM (grace 10 s)");
  stop.exit_code = 143;
  EXPECT_EQ(judge_sigterm(stop).observed,
            "exited with status 143 (signal 15), 85 ms after SIGTERM (grace 10 s)");
}

TEST(contract_rules, a_kill_after_the_grace_period_fails_sigterm) {
  stop_observation killed;
  killed.took = 1100ms;
  killed.grace = 1s;
  killed.exit_code = 137;
  auto result = judge_sigterm(killed);
  EXPECT_EQ(result.outcome, verdict::fail);
  EXPECT_EQ(result.observed,
            "killed (status 137) after the 1 s grace period: SIGTERM did not end it");
  stop_observation slow;
  slow.took = 2000ms;
  slow.grace = 2s;
  EXPECT_EQ(judge_sigterm(slow).outcome, verdict::fail);
  stop_observation running;
  running.still_running = true;
  EXPECT_EQ(judge_sigterm(running).outcome, verdict::fail);
  stop_observation failed;
  failed.error = "No such container: x";
  EXPECT_EQ(judge_sigterm(failed).observed, "the stop did not complete: No such container: x");
}

// -- idle_memory ---------------------------------------------------------------------------

TEST(contract_rules, idle_memory_is_informational_unless_a_maximum_is_given) {
  memory_observation seen;
  seen.reading = memory_reading{3 * 1024 * 1024, 512ULL * 1024 * 1024};
  auto info = judge_idle_memory(seen, std::nullopt);
  EXPECT_FALSE(info.required);
  EXPECT_EQ(info.outcome, verdict::pass);
  EXPECT_EQ(info.observed, "3.0 MiB of the 512.0 MiB limit (0.6%)");
  auto within = judge_idle_memory(seen, 4 * 1024 * 1024);
  EXPECT_TRUE(within.required);
  EXPECT_EQ(within.outcome, verdict::pass);
  EXPECT_EQ(within.observed, "3.0 MiB of the 512.0 MiB limit (0.6%), within the maximum of 4.0 MiB");
  auto over = judge_idle_memory(seen, 1024 * 1024);
  EXPECT_EQ(over.outcome, verdict::fail);
  EXPECT_EQ(over.observed, "3.0 MiB of the 512.0 MiB limit (0.6%), over the maximum of 1.0 MiB");
}

TEST(contract_rules, idle_memory_not_measured_is_a_skip_or_with_a_maximum_a_failure) {
  memory_observation none;
  none.unavailable = "the process runtime reports no memory figures";
  auto skip = judge_idle_memory(none, std::nullopt);
  EXPECT_EQ(skip.outcome, verdict::skip);
  EXPECT_EQ(skip.observed, "not measured: the process runtime reports no memory figures");
  EXPECT_EQ(judge_idle_memory(none, 1024).outcome, verdict::fail);
}

TEST(contract_rules, memory_stats_subtract_the_inactive_page_cache_of_cgroup_v1_or_v2) {
  auto v1 = parse_memory_stats(
    R"({"memory_stats":{"usage":815104,"stats":{"total_inactive_file":4096,"inactive_file":0},)"
    R"("limit":536870912}})");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->usage, 811008u);
  EXPECT_EQ(v1->limit, 536870912u);
  auto v2 = parse_memory_stats(
    R"({"memory_stats":{"usage":10000,"stats":{"inactive_file":2000},"limit":20000}})");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->usage, 8000u);
  EXPECT_FALSE(parse_memory_stats(R"({"memory_stats":{}})"));
  EXPECT_FALSE(parse_memory_stats("[]"));
  EXPECT_FALSE(parse_memory_stats(std::string(10000, '{')));
}

// -- excerpts ------------------------------------------------------------------------------

TEST(contract_rules, excerpts_are_short_valid_utf8_on_one_line) {
  EXPECT_EQ(excerpt("short"), "short");
  EXPECT_EQ(excerpt("a\nb\tc"), "a b c");
  auto long_text = excerpt(std::string(500, 'x'));
  EXPECT_EQ(long_text, std::string(max_excerpt_bytes, 'x') + "...");
  auto bad = excerpt(std::string(200, '\xff'));
  EXPECT_TRUE(is_valid_utf8(bad));
  EXPECT_LE(bad.size(), max_excerpt_bytes + 3);
  EXPECT_EQ(bytes_in_words(812), "812 B");
  EXPECT_EQ(bytes_in_words(3 * 1024 * 1024 + 100 * 1024), "3.1 MiB");
}

} // namespace
} // namespace janus::check
