#include "apps/janus-baseline/chunk_renderer.hpp"
#include "apps/janus-baseline/echo_model.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <variant>

namespace janus::baseline {
namespace {

constexpr std::int64_t fixed_now = 1700000000;

chat_request parse_ok(std::string_view body) {
  auto parsed = parse_chat_request(body);
  if (auto* error = std::get_if<api_error>(&parsed)) {
    ADD_FAILURE() << "unexpected error for " << body << ": " << error->message;
    return {};
  }
  return std::get<chat_request>(std::move(parsed));
}

api_error parse_error(std::string_view body) {
  auto parsed = parse_chat_request(body);
  if (auto* error = std::get_if<api_error>(&parsed)) {
    return *error;
  }
  ADD_FAILURE() << "expected an error for " << body;
  return {};
}

answer_plan plan_for(std::string_view body, baseline_options options = {}) {
  return plan_answer(parse_ok(body), options, fixed_now);
}

std::string all_tokens(const answer_plan& plan) {
  std::string text;
  for (std::size_t i = 0; i < plan.tokens; ++i) {
    text += answer_token(plan, i);
  }
  return text;
}

bool is_valid_json(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  return !doc.HasParseError();
}

// -- ids and words ---------------------------------------------------------------------------

TEST(baseline_echo_model, completion_id_is_the_fnv1a_64_hash_of_the_raw_body_in_lowercase_hex) {
  // Reference values of FNV-1a 64 (offset basis 0xcbf29ce484222325).
  EXPECT_EQ(completion_id(""), "chatcmpl-cbf29ce484222325");
  EXPECT_EQ(completion_id("a"), "chatcmpl-af63dc4c8601ec8c");
  EXPECT_EQ(completion_id(R"({"model":"m","messages":[{"role":"user","content":"hello big world"}]})"),
            "chatcmpl-db19be40d4644203");
}

TEST(baseline_echo_model, the_same_body_always_gets_the_same_id_and_another_body_another_id) {
  auto body = R"({"messages":[{"role":"user","content":"hi"}]})";
  auto other = R"({"messages":[{"role":"user","content":"hi"}] })";
  EXPECT_EQ(parse_ok(body).id, completion_id(body));
  EXPECT_EQ(parse_ok(body).id, parse_ok(body).id);
  EXPECT_NE(parse_ok(body).id, parse_ok(other).id);
}

TEST(baseline_echo_model, split_words_splits_on_any_ascii_whitespace) {
  EXPECT_EQ(split_words("  one\ttwo\nthree\r\n four\f\vfive  "),
            (std::vector<std::string>{"one", "two", "three", "four", "five"}));
  EXPECT_TRUE(split_words(" \t\n").empty());
  EXPECT_TRUE(split_words("").empty());
}

// -- the answer ------------------------------------------------------------------------------

TEST(baseline_echo_model, answer_cycles_through_the_words_of_the_last_user_message) {
  auto plan = plan_for(R"({"messages":[
      {"role":"user","content":"not this one"},
      {"role":"assistant","content":"nor this"},
      {"role":"user","content":"alpha beta gamma"},
      {"role":"assistant","content":"nor the last"}],
    "janus_baseline":{"tokens":7}})");
  EXPECT_EQ(plan.tokens, 7u);
  EXPECT_EQ(answer_token(plan, 0), "alpha ");
  EXPECT_EQ(answer_token(plan, 3), "alpha ");
  EXPECT_EQ(answer_token(plan, 5), "gamma ");
  EXPECT_EQ(answer_content(plan), "alpha beta gamma alpha beta gamma alpha");
  EXPECT_EQ(all_tokens(plan), answer_content(plan));
}

TEST(baseline_echo_model, only_the_last_token_has_no_trailing_space) {
  auto plan = plan_for(R"({"messages":[{"role":"user","content":"w"}],"janus_baseline":{"tokens":3}})");
  EXPECT_EQ(answer_token(plan, 0), "w ");
  EXPECT_EQ(answer_token(plan, 1), "w ");
  EXPECT_EQ(answer_token(plan, 2), "w");
}

TEST(baseline_echo_model, answer_length_defaults_to_the_configured_token_count) {
  baseline_options options;
  options.tokens = 4;
  auto plan = plan_for(R"({"messages":[{"role":"user","content":"a b"}]})", options);
  EXPECT_EQ(answer_content(plan), "a b a b");
  EXPECT_EQ(plan_for(R"({"messages":[{"role":"user","content":"a"}]})").tokens, 16u);
}

TEST(baseline_echo_model, zero_tokens_make_an_empty_answer) {
  auto plan = plan_for(R"({"messages":[{"role":"user","content":"a"}],"janus_baseline":{"tokens":0}})");
  EXPECT_EQ(answer_content(plan), "");
}

TEST(baseline_echo_model, text_content_parts_are_joined_with_a_space_and_other_parts_ignored) {
  auto request = parse_ok(R"({"messages":[{"role":"user","content":[
      {"type":"text","text":"one two"},
      {"type":"image_url","image_url":{"url":"http://x"}},
      {"type":"text","text":"three"}]}]})");
  EXPECT_EQ(request.words, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(request.prompt_tokens, 3u);
}

TEST(baseline_echo_model, a_user_message_without_words_is_answered_with_echo) {
  EXPECT_EQ(parse_ok(R"({"messages":[{"role":"user","content":"   "}]})").words,
            std::vector<std::string>{"echo"});
  EXPECT_EQ(parse_ok(R"({"messages":[{"role":"system","content":"be nice"}]})").words,
            std::vector<std::string>{"echo"});
  EXPECT_EQ(parse_ok(R"({"messages":[{"role":"user","content":null}]})").words,
            std::vector<std::string>{"echo"});
}

TEST(baseline_echo_model, prompt_tokens_count_the_words_of_every_message) {
  auto request = parse_ok(R"({"messages":[
      {"role":"system","content":"you are terse"},
      {"role":"user","content":[{"type":"text","text":"a b"},{"type":"text","text":"c"}]},
      {"role":"assistant","content":"d"},
      {"role":"tool","content":null}]})");
  EXPECT_EQ(request.prompt_tokens, 7u);
}

TEST(baseline_echo_model, model_is_the_configured_one_else_the_requested_one_else_janus_baseline) {
  auto with_model = R"({"model":"gpt-x","messages":[{"role":"user","content":"a"}]})";
  auto without_model = R"({"messages":[{"role":"user","content":"a"}]})";
  baseline_options configured;
  configured.model = "fixed";
  EXPECT_EQ(plan_for(with_model).model, "gpt-x");
  EXPECT_EQ(plan_for(without_model).model, "janus-baseline");
  EXPECT_EQ(plan_for(with_model, configured).model, "fixed");
}

TEST(baseline_echo_model, created_is_the_configured_time_else_now) {
  auto body = R"({"messages":[{"role":"user","content":"a"}]})";
  baseline_options configured;
  configured.created = 42;
  EXPECT_EQ(plan_for(body).created, fixed_now);
  EXPECT_EQ(plan_for(body, configured).created, 42);
}

TEST(baseline_echo_model, request_overrides_win_over_the_options_and_unknown_keys_are_ignored) {
  baseline_options options;
  options.tokens = 9;
  options.token_delay_ms = 7;
  auto plan = plan_for(R"({"messages":[{"role":"user","content":"a"}],
      "janus_baseline":{"tokens":2,"token_delay_ms":30,"abort_after_tokens":1,"status":503,
                        "first_token_delay_ms":20,"error_after_tokens":4,"future_knob":{"x":1}}})",
                       options);
  EXPECT_EQ(plan.tokens, 2u);
  EXPECT_EQ(plan.token_delay_ms, 30u);
  EXPECT_EQ(plan.first_token_delay_ms, 20u);
  EXPECT_EQ(plan.abort_after_tokens, 1u);
  EXPECT_EQ(plan.error_after_tokens, 4u);
  EXPECT_EQ(plan.status, 503u);
  auto defaults = plan_for(R"({"messages":[{"role":"user","content":"a"}]})", options);
  EXPECT_EQ(defaults.tokens, 9u);
  EXPECT_EQ(defaults.token_delay_ms, 7u);
  EXPECT_EQ(defaults.first_token_delay_ms, 0u);
  EXPECT_FALSE(defaults.abort_after_tokens);
  EXPECT_FALSE(defaults.error_after_tokens);
  EXPECT_FALSE(defaults.status);
}

TEST(baseline_echo_model, include_usage_counts_only_for_streamed_requests) {
  auto streamed = plan_for(R"({"messages":[{"role":"user","content":"a"}],"stream":true,
      "stream_options":{"include_usage":true}})");
  auto whole = plan_for(R"({"messages":[{"role":"user","content":"a"}],"stream":false,
      "stream_options":{"include_usage":true}})");
  EXPECT_TRUE(streamed.stream);
  EXPECT_TRUE(streamed.include_usage);
  EXPECT_FALSE(whole.stream);
  EXPECT_FALSE(whole.include_usage);
}

// -- rendering -------------------------------------------------------------------------------

TEST(baseline_echo_model, non_stream_answer_is_compact_json_in_the_openai_key_order) {
  auto body = R"({"model":"m","messages":[{"role":"user","content":"hello big world"}]})";
  baseline_options options;
  options.tokens = 5;
  EXPECT_EQ(render_completion(plan_for(body, options)),
            R"({"id":"chatcmpl-db19be40d4644203","object":"chat.completion","created":1700000000,)"
            R"("model":"m","choices":[{"index":0,"message":{"role":"assistant",)"
            R"("content":"hello big world hello big"},"logprobs":null,"finish_reason":"stop"}],)"
            R"("usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}})");
}

TEST(baseline_echo_model, answers_escape_quotes_backslashes_control_characters_and_keep_utf8) {
  auto body = R"({"model":"q\"m","messages":[{"role":"user","content":"say \"hi\"\\ é\u0001x"}],)"
              R"("janus_baseline":{"tokens":3}})";
  auto plan = plan_for(body);
  EXPECT_EQ(plan.words, (std::vector<std::string>{"say", "\"hi\"\\", "é\x01x"}));
  auto json = render_completion(plan);
  EXPECT_NE(json.find(R"("model":"q\"m")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("content":"say \"hi\"\\ é\u0001x")"), std::string::npos) << json;
  EXPECT_TRUE(is_valid_json(json));
  chunk_renderer frames{plan};
  auto frame = std::string(frames.token_frame(1));
  EXPECT_NE(frame.find(R"("delta":{"content":"\"hi\"\\ "})"), std::string::npos) << frame;
}

TEST(baseline_echo_model, stream_frames_are_role_then_tokens_then_finish_then_done) {
  auto body = R"({"model":"m","messages":[{"role":"user","content":"hello big world"}],"stream":true})";
  baseline_options options;
  options.tokens = 2;
  chunk_renderer frames{plan_for(body, options)};
  const std::string head
    = R"(data: {"id":"chatcmpl-)" + completion_id(body).substr(9)
      + R"(","object":"chat.completion.chunk","created":1700000000,"model":"m",)";
  EXPECT_EQ(frames.role_frame(),
            head + R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},)"
                   R"("logprobs":null,"finish_reason":null}]})" "\n\n");
  EXPECT_EQ(frames.token_frame(0),
            head + R"("choices":[{"index":0,"delta":{"content":"hello "},)"
                   R"("logprobs":null,"finish_reason":null}]})" "\n\n");
  EXPECT_EQ(frames.token_frame(1),
            head + R"("choices":[{"index":0,"delta":{"content":"big"},)"
                   R"("logprobs":null,"finish_reason":null}]})" "\n\n");
  EXPECT_EQ(frames.finish_frame(),
            head + R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]})"
                   "\n\n");
  EXPECT_EQ(chunk_renderer::done_frame(), "data: [DONE]\n\n");
}

TEST(baseline_echo_model, with_include_usage_every_frame_ends_with_usage_null_and_a_usage_frame_follows) {
  auto body = R"({"messages":[{"role":"user","content":"hi there"}],"stream":true,)"
              R"("stream_options":{"include_usage":true},"janus_baseline":{"tokens":1}})";
  chunk_renderer frames{plan_for(body)};
  const std::string head
    = R"(data: {"id":")" + completion_id(body)
      + R"(","object":"chat.completion.chunk","created":1700000000,"model":"janus-baseline",)";
  EXPECT_EQ(frames.role_frame(),
            head + R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},)"
                   R"("logprobs":null,"finish_reason":null}],"usage":null})" "\n\n");
  EXPECT_EQ(frames.token_frame(0),
            head + R"("choices":[{"index":0,"delta":{"content":"hi"},)"
                   R"("logprobs":null,"finish_reason":null}],"usage":null})" "\n\n");
  EXPECT_EQ(frames.finish_frame(),
            head + R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],)"
                   R"("usage":null})" "\n\n");
  EXPECT_EQ(frames.usage_frame(),
            head + R"("choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1,)"
                   R"("total_tokens":3}})" "\n\n");
}

TEST(baseline_echo_model, every_stream_frame_is_valid_json_after_data_prefix) {
  auto plan = plan_for(R"({"messages":[{"role":"user","content":"a \"b\" c"}],"stream":true,)"
                       R"("stream_options":{"include_usage":true}})");
  chunk_renderer frames{plan};
  auto payload = [](std::string_view frame) {
    EXPECT_TRUE(frame.starts_with("data: "));
    EXPECT_TRUE(frame.ends_with("\n\n"));
    return frame.substr(6, frame.size() - 8);
  };
  EXPECT_TRUE(is_valid_json(payload(frames.role_frame())));
  for (std::size_t i = 0; i < plan.tokens; ++i) {
    EXPECT_TRUE(is_valid_json(payload(frames.token_frame(i)))) << i;
  }
  EXPECT_TRUE(is_valid_json(payload(frames.finish_frame())));
  EXPECT_TRUE(is_valid_json(payload(frames.usage_frame())));
}

TEST(baseline_echo_model, models_list_the_configured_model_or_janus_baseline) {
  baseline_options options;
  EXPECT_EQ(render_models(options, 5),
            R"({"object":"list","data":[{"id":"janus-baseline","object":"model","created":5,)"
            R"("owned_by":"janus"}]})");
  options.model = "llama";
  EXPECT_EQ(render_models(options, 5),
            R"({"object":"list","data":[{"id":"llama","object":"model","created":5,)"
            R"("owned_by":"janus"}]})");
}

TEST(baseline_echo_model, contract_breaks_shape_the_answer_and_nothing_else_changes) {
  auto body = R"({"messages":[{"role":"user","content":"hi"}],"stream":true,)"
              R"("stream_options":{"include_usage":true}})";
  auto plain = plan_for(body);
  EXPECT_EQ(plain.chunk_object, "chat.completion.chunk");
  EXPECT_TRUE(plain.send_done);
  EXPECT_TRUE(plain.send_usage);
  EXPECT_TRUE(plain.include_usage);

  baseline_options options;
  options.breaks.wrong_chunk_object = true;
  options.breaks.no_done = true;
  options.breaks.no_usage = true;
  options.breaks.chat_no_usage = true;
  auto broken = plan_for(body, options);
  EXPECT_EQ(broken.chunk_object, "chat.completion");
  EXPECT_FALSE(broken.send_done);
  EXPECT_FALSE(broken.include_usage);
  EXPECT_FALSE(broken.send_usage);
  EXPECT_EQ(broken.id, plain.id);
  EXPECT_EQ(answer_content(broken), answer_content(plain));

  chunk_renderer frames{broken};
  EXPECT_NE(frames.role_frame().find(R"("object":"chat.completion",)"), std::string_view::npos);
  EXPECT_EQ(render_completion(broken).find("usage"), std::string::npos);
}

TEST(baseline_echo_model, models_not_list_answers_an_object_that_is_not_openais_list) {
  baseline_options options;
  options.breaks.models_not_list = true;
  EXPECT_EQ(render_models(options, 5),
            R"({"object":"models","models":[{"id":"janus-baseline","object":"model","created":5,)"
            R"("owned_by":"janus"}]})");
}

TEST(baseline_echo_model, health_bodies_say_ok_or_unhealthy) {
  EXPECT_EQ(render_health(true), R"({"status":"ok"})");
  EXPECT_EQ(render_health(false), R"({"status":"unhealthy"})");
}

TEST(baseline_echo_model, health_toggle_reads_a_boolean_and_rejects_anything_else) {
  EXPECT_EQ(std::get<bool>(parse_health_toggle(R"({"healthy":false})")), false);
  EXPECT_EQ(std::get<bool>(parse_health_toggle(R"({"healthy":true})")), true);
  EXPECT_EQ(std::get<api_error>(parse_health_toggle(R"({"healthy":"no"})")).status, 400u);
  EXPECT_EQ(std::get<api_error>(parse_health_toggle("nope")).status, 400u);
}

// -- errors ----------------------------------------------------------------------------------

TEST(baseline_echo_model, error_bodies_follow_the_openai_shape_with_nulls_for_missing_fields) {
  EXPECT_EQ(render_error(invalid_request("bad \"thing\"", "messages")),
            R"({"error":{"message":"bad \"thing\"","type":"invalid_request_error",)"
            R"("param":"messages","code":null}})");
  EXPECT_EQ(render_error(invalid_request("bad")),
            R"({"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}})");
  auto simulated = simulated_error(503);
  EXPECT_EQ(simulated.status, 503u);
  EXPECT_EQ(simulated.type, "server_error");
  EXPECT_EQ(simulated_error(429).type, "invalid_request_error");
  EXPECT_EQ(unknown_path("GET", "/x").status, 404u);
  EXPECT_EQ(method_not_allowed("GET", "/v1/chat/completions").status, 405u);
  EXPECT_EQ(body_too_large(max_body_bytes).status, 413u);
}

TEST(baseline_echo_model, invalid_json_is_a_400_without_param) {
  auto error = parse_error(R"({"messages":[)");
  EXPECT_EQ(error.status, 400u);
  EXPECT_FALSE(error.param);
  EXPECT_EQ(error.code, "invalid_json");
  EXPECT_EQ(parse_error(R"({"messages":[{"role":"user","content":"a"}]} trailing)").status, 400u);
  EXPECT_EQ(parse_error("\xff\xfe").status, 400u);
}

TEST(baseline_echo_model, a_body_that_is_not_an_object_is_a_400) {
  EXPECT_EQ(parse_error("[]").status, 400u);
  EXPECT_EQ(parse_error("\"text\"").status, 400u);
  EXPECT_FALSE(parse_error("42").param);
}

TEST(baseline_echo_model, messages_must_be_a_non_empty_array_of_objects) {
  EXPECT_EQ(parse_error(R"({"model":"m"})").param, "messages");
  EXPECT_EQ(parse_error(R"({"messages":"hi"})").param, "messages");
  EXPECT_EQ(parse_error(R"({"messages":[]})").param, "messages");
  EXPECT_EQ(parse_error(R"({"messages":[42]})").param, "messages");
  EXPECT_EQ(parse_error(R"({"messages":[{"role":"user","content":42}]})").param, "messages");
}

TEST(baseline_echo_model, stream_must_be_a_boolean_or_null_when_present) {
  EXPECT_EQ(parse_error(R"({"messages":[{"role":"user","content":"a"}],"stream":"yes"})").param,
            "stream");
  EXPECT_EQ(parse_error(R"({"messages":[{"role":"user","content":"a"}],"stream":1})").param,
            "stream");
  EXPECT_FALSE(parse_ok(R"({"messages":[{"role":"user","content":"a"}],"stream":null})").stream);
}

TEST(baseline_echo_model, model_and_stream_options_must_have_the_right_types) {
  EXPECT_EQ(parse_error(R"({"model":7,"messages":[{"role":"user","content":"a"}]})").param,
            "model");
  EXPECT_EQ(parse_error(R"({"messages":[{"role":"user","content":"a"}],"stream_options":1})").param,
            "stream_options");
  EXPECT_EQ(parse_error(R"({"messages":[{"role":"user","content":"a"}],)"
                        R"("stream_options":{"include_usage":"yes"}})")
              .param,
            "stream_options.include_usage");
}

TEST(baseline_echo_model, overrides_out_of_range_or_of_the_wrong_type_are_a_400_naming_the_key) {
  auto with = [](std::string overrides) {
    return R"({"messages":[{"role":"user","content":"a"}],"janus_baseline":)" + overrides + "}";
  };
  EXPECT_EQ(parse_error(with("5")).param, "janus_baseline");
  EXPECT_EQ(parse_error(with(R"({"tokens":-1})")).param, "janus_baseline.tokens");
  EXPECT_EQ(parse_error(with(R"({"tokens":"3"})")).param, "janus_baseline.tokens");
  EXPECT_EQ(parse_error(with(R"({"token_delay_ms":1.5})")).param, "janus_baseline.token_delay_ms");
  EXPECT_EQ(parse_error(with(R"({"status":200})")).param, "janus_baseline.status");
  EXPECT_EQ(parse_error(with(R"({"status":600})")).param, "janus_baseline.status");
  EXPECT_EQ(parse_error(with(R"({"abort_after_tokens":true})")).param,
            "janus_baseline.abort_after_tokens");
}

} // namespace
} // namespace janus::baseline
