#include "apps/janus-baseline/echo_model.hpp"

#include "apps/janus-baseline/json_writer.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <array>
#include <limits>

namespace janus::baseline {

namespace {

constexpr std::uint32_t max_tokens = 1'000'000;
constexpr std::uint32_t max_delay_ms = 3'600'000;
constexpr std::string_view default_model = "janus-baseline";
constexpr unsigned parse_flags = rapidjson::kParseIterativeFlag
                                 | rapidjson::kParseValidateEncodingFlag;

using json_value = rapidjson::Value;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view as_view(const json_value& value) {
  return {value.GetString(), value.GetStringLength()};
}

const json_value* find(const json_value& object, std::string_view name) {
  auto it = object.FindMember(
    json_value(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  if (it == object.MemberEnd()) {
    return nullptr;
  }
  return &it->value;
}

std::size_t count_words(std::string_view text) {
  std::size_t count = 0;
  bool in_word = false;
  for (char c : text) {
    if (is_space(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++count;
    }
  }
  return count;
}

/// The text of a message's `content`: a string, or the text parts joined with a space.
std::variant<std::string, api_error> message_text(const json_value& message) {
  const json_value* content = find(message, "content");
  if (content == nullptr || content->IsNull()) {
    return std::string{};
  }
  if (content->IsString()) {
    return std::string(as_view(*content));
  }
  if (!content->IsArray()) {
    return invalid_request("Each message's content must be a string or an array of content parts",
                           "messages");
  }
  std::string text;
  bool first = true;
  for (const auto& part : content->GetArray()) {
    if (!part.IsObject()) {
      return invalid_request("Each content part must be an object", "messages");
    }
    const json_value* type = find(part, "type");
    const json_value* part_text = find(part, "text");
    if (type == nullptr || !type->IsString() || as_view(*type) != "text") {
      continue;
    }
    if (part_text == nullptr || !part_text->IsString()) {
      return invalid_request("A text content part must have a string `text`", "messages");
    }
    if (!first) {
      text += ' ';
    }
    text += as_view(*part_text);
    first = false;
  }
  return text;
}

/// One unsigned integer field of the `janus_baseline` overrides object and its valid range.
struct override_field {
  std::string_view name;
  std::uint32_t min;
  std::uint32_t max;
  std::optional<std::uint32_t> request_overrides::*member;
};

constexpr std::array override_fields{
  override_field{"tokens", 0, max_tokens, &request_overrides::tokens},
  override_field{"token_delay_ms", 0, max_delay_ms, &request_overrides::token_delay_ms},
  override_field{"first_token_delay_ms", 0, max_delay_ms, &request_overrides::first_token_delay_ms},
  override_field{"abort_after_tokens", 0, std::numeric_limits<std::uint32_t>::max(),
                 &request_overrides::abort_after_tokens},
  override_field{"error_after_tokens", 0, std::numeric_limits<std::uint32_t>::max(),
                 &request_overrides::error_after_tokens},
  override_field{"status", 400, 599, &request_overrides::status},
};

std::variant<request_overrides, api_error> parse_overrides(const json_value* overrides) {
  request_overrides result;
  if (overrides == nullptr || overrides->IsNull()) {
    return result;
  }
  if (!overrides->IsObject()) {
    return invalid_request("janus_baseline must be an object", "janus_baseline");
  }
  for (const auto& field : override_fields) {
    const json_value* value = find(*overrides, field.name);
    if (value == nullptr || value->IsNull()) {
      continue;
    }
    if (!value->IsUint() || value->GetUint() < field.min || value->GetUint() > field.max) {
      auto name = "janus_baseline." + std::string(field.name);
      return invalid_request(name + " must be an integer in [" + std::to_string(field.min) + ", "
                               + std::to_string(field.max) + "]",
                             name);
    }
    result.*field.member = value->GetUint();
  }
  return result;
}

} // namespace

std::string completion_id(std::string_view body) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : body) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  constexpr std::string_view digits = "0123456789abcdef";
  std::string id = "chatcmpl-0000000000000000";
  for (std::size_t i = 0; i < 16; ++i) {
    id[id.size() - 1 - i] = digits[hash & 0xf];
    hash >>= 4;
  }
  return id;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) {
      ++i;
    }
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) {
      ++i;
    }
    if (i > start) {
      words.emplace_back(text.substr(start, i - start));
    }
  }
  return words;
}

std::variant<chat_request, api_error> parse_chat_request(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse<parse_flags>(body.data(), body.size());
  if (doc.HasParseError()) {
    auto error = invalid_request(std::string("We could not parse the JSON body of your request: ")
                                 + rapidjson::GetParseError_En(doc.GetParseError())
                                 + " (at offset " + std::to_string(doc.GetErrorOffset()) + ")");
    error.code = "invalid_json";
    return error;
  }
  if (!doc.IsObject()) {
    return invalid_request("The request body must be a JSON object");
  }
  chat_request request;
  request.id = completion_id(body);
  if (const json_value* model = find(doc, "model"); model != nullptr && !model->IsNull()) {
    if (!model->IsString()) {
      return invalid_request("model must be a string", "model");
    }
    request.model = std::string(as_view(*model));
  }
  const json_value* messages = find(doc, "messages");
  if (messages == nullptr) {
    return invalid_request("Missing required parameter: 'messages'", "messages");
  }
  if (!messages->IsArray() || messages->Empty()) {
    return invalid_request("messages must be a non-empty array", "messages");
  }
  std::optional<std::string> last_user_text;
  for (const auto& message : messages->GetArray()) {
    if (!message.IsObject()) {
      return invalid_request("Each message must be an object", "messages");
    }
    auto text = message_text(message);
    if (auto* error = std::get_if<api_error>(&text)) {
      return std::move(*error);
    }
    auto& content = std::get<std::string>(text);
    request.prompt_tokens += count_words(content);
    const json_value* role = find(message, "role");
    if (role != nullptr && role->IsString() && as_view(*role) == "user") {
      last_user_text = std::move(content);
    }
  }
  if (last_user_text) {
    request.words = split_words(*last_user_text);
  }
  if (request.words.empty()) {
    request.words.emplace_back("echo");
  }
  // OpenAI's `stream` is a boolean or null (null: not streaming), as janusd reads it too.
  if (const json_value* stream = find(doc, "stream"); stream != nullptr && !stream->IsNull()) {
    if (!stream->IsBool()) {
      return invalid_request("stream must be a boolean", "stream");
    }
    request.stream = stream->GetBool();
  }
  if (const json_value* options = find(doc, "stream_options");
      options != nullptr && !options->IsNull()) {
    if (!options->IsObject()) {
      return invalid_request("stream_options must be an object", "stream_options");
    }
    if (const json_value* usage = find(*options, "include_usage");
        usage != nullptr && !usage->IsNull()) {
      if (!usage->IsBool()) {
        return invalid_request("stream_options.include_usage must be a boolean",
                               "stream_options.include_usage");
      }
      request.include_usage = usage->GetBool();
    }
  }
  auto overrides = parse_overrides(find(doc, "janus_baseline"));
  if (auto* error = std::get_if<api_error>(&overrides)) {
    return std::move(*error);
  }
  request.overrides = std::get<request_overrides>(overrides);
  return request;
}

answer_plan plan_answer(chat_request request, const baseline_options& options,
                        std::int64_t now) {
  answer_plan plan;
  plan.id = std::move(request.id);
  if (options.model) {
    plan.model = *options.model;
  } else if (request.model) {
    plan.model = std::move(*request.model);
  } else {
    plan.model = default_model;
  }
  plan.created = options.created.value_or(now);
  plan.words = std::move(request.words);
  plan.tokens = request.overrides.tokens.value_or(options.tokens);
  plan.token_delay_ms = request.overrides.token_delay_ms.value_or(options.token_delay_ms);
  plan.first_token_delay_ms = request.overrides.first_token_delay_ms.value_or(0);
  plan.abort_after_tokens = request.overrides.abort_after_tokens;
  plan.error_after_tokens = request.overrides.error_after_tokens;
  plan.status = request.overrides.status;
  plan.prompt_tokens = request.prompt_tokens;
  plan.stream = request.stream;
  plan.include_usage = request.stream && request.include_usage && !options.breaks.no_usage;
  if (options.breaks.wrong_chunk_object) {
    plan.chunk_object = "chat.completion";
  }
  plan.send_done = !options.breaks.no_done;
  plan.send_usage = !options.breaks.chat_no_usage;
  return plan;
}

std::string answer_token(const answer_plan& plan, std::size_t index) {
  std::string token = plan.words[index % plan.words.size()];
  if (index + 1 < plan.tokens) {
    token += ' ';
  }
  return token;
}

std::string answer_content(const answer_plan& plan) {
  std::string content;
  for (std::size_t i = 0; i < plan.tokens; ++i) {
    const auto& word = plan.words[i % plan.words.size()];
    content += word;
    if (i + 1 < plan.tokens) {
      content += ' ';
    }
  }
  return content;
}

std::string render_completion(const answer_plan& plan) {
  json_writer json;
  auto& w = json.writer();
  w.StartObject();
  json.key("id");
  json.string(plan.id);
  json.key("object");
  json.string("chat.completion");
  json.key("created");
  w.Int64(plan.created);
  json.key("model");
  json.string(plan.model);
  json.key("choices");
  w.StartArray();
  w.StartObject();
  json.key("index");
  w.Int(0);
  json.key("message");
  w.StartObject();
  json.key("role");
  json.string("assistant");
  json.key("content");
  json.string(answer_content(plan));
  w.EndObject();
  json.key("logprobs");
  w.Null();
  json.key("finish_reason");
  json.string("stop");
  w.EndObject();
  w.EndArray();
  if (plan.send_usage) {
    json.key("usage");
    w.StartObject();
    json.key("prompt_tokens");
    w.Uint64(plan.prompt_tokens);
    json.key("completion_tokens");
    w.Uint64(plan.tokens);
    json.key("total_tokens");
    w.Uint64(plan.prompt_tokens + plan.tokens);
    w.EndObject();
  }
  w.EndObject();
  return json.release();
}

std::string render_models(const baseline_options& options, std::int64_t created) {
  json_writer json;
  auto& w = json.writer();
  w.StartObject();
  json.key("object");
  json.string(options.breaks.models_not_list ? "models" : "list");
  json.key(options.breaks.models_not_list ? "models" : "data");
  w.StartArray();
  w.StartObject();
  json.key("id");
  json.string(options.model ? std::string_view(*options.model) : default_model);
  json.key("object");
  json.string("model");
  json.key("created");
  w.Int64(created);
  json.key("owned_by");
  json.string("janus");
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return json.release();
}

std::string render_health(bool healthy) {
  return healthy ? R"({"status":"ok"})" : R"({"status":"unhealthy"})";
}

std::variant<bool, api_error> parse_health_toggle(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse<parse_flags>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return invalid_request("The body must be a JSON object {\"healthy\": true|false}");
  }
  const json_value* healthy = find(doc, "healthy");
  if (healthy == nullptr || !healthy->IsBool()) {
    return invalid_request("healthy must be a boolean", "healthy");
  }
  return healthy->GetBool();
}

} // namespace janus::baseline
