#include "apps/janus-baseline/chunk_renderer.hpp"

#include "apps/janus-baseline/json_writer.hpp"

namespace janus::baseline {

namespace {

constexpr std::string_view role_delta = R"("choices":[{"index":0,"delta":{"role":"assistant","content":""})";
constexpr std::string_view content_delta = R"("choices":[{"index":0,"delta":{"content":)";
constexpr std::string_view finish_delta = R"("choices":[{"index":0,"delta":{})";
constexpr std::string_view pending_tail = R"(,"logprobs":null,"finish_reason":null}])";
constexpr std::string_view content_tail = R"(},"logprobs":null,"finish_reason":null}])";
constexpr std::string_view stop_tail = R"(,"logprobs":null,"finish_reason":"stop"}])";

} // namespace

chunk_renderer::chunk_renderer(const answer_plan& plan) : tokens_(plan.tokens) {
  json_writer json;
  auto& w = json.writer();
  w.StartObject();
  json.key("id");
  json.string(plan.id);
  json.key("object");
  json.string(plan.chunk_object);
  json.key("created");
  w.Int64(plan.created);
  json.key("model");
  json.string(plan.model);
  head_ = "data: ";
  head_ += json.view();
  head_ += ',';
  end_ = plan.include_usage ? ",\"usage\":null}\n\n" : "}\n\n";
  json_writer usage;
  auto& u = usage.writer();
  u.StartObject();
  usage.key("prompt_tokens");
  u.Uint64(plan.prompt_tokens);
  usage.key("completion_tokens");
  u.Uint64(plan.tokens);
  usage.key("total_tokens");
  u.Uint64(plan.prompt_tokens + plan.tokens);
  u.EndObject();
  usage_ = head_ + R"("choices":[],"usage":)" + std::string(usage.view()) + "}\n\n";
  spaced_words_.reserve(plan.words.size());
  bare_words_.reserve(plan.words.size());
  for (const auto& word : plan.words) {
    spaced_words_.push_back(quoted(word + ' '));
    bare_words_.push_back(quoted(word));
  }
}

std::string_view chunk_renderer::role_frame() {
  return frame(role_delta, {}, pending_tail);
}

std::string_view chunk_renderer::token_frame(std::size_t index) {
  const auto word = index % bare_words_.size();
  const auto& content = index + 1 < tokens_ ? spaced_words_[word] : bare_words_[word];
  return frame(content_delta, content, content_tail);
}

std::string_view chunk_renderer::finish_frame() {
  return frame(finish_delta, {}, stop_tail);
}

std::string_view chunk_renderer::usage_frame() {
  return usage_;
}

std::string_view chunk_renderer::done_frame() {
  return "data: [DONE]\n\n";
}

std::string_view chunk_renderer::frame(std::string_view delta, std::string_view quoted_content,
                                       std::string_view tail) {
  buffer_.clear();
  buffer_ += head_;
  buffer_ += delta;
  buffer_ += quoted_content;
  buffer_ += tail;
  buffer_ += end_;
  return buffer_;
}

} // namespace janus::baseline
