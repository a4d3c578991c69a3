#include "apps/janus-check/contract_rules.hpp"

#include <rapidjson/document.h>

#include <cstdio>
#include <initializer_list>

#include "model/bounded_json.hpp"
#include "model/utf8.hpp"
#include "model/ows.hpp"

namespace janus::check {

namespace {

using json = rapidjson::Value;

rule_result passed(rule_id rule, std::string observed, bool required = true) {
  return rule_result{rule, required, verdict::pass, std::move(observed)};
}

rule_result failed(rule_id rule, std::string observed, bool required = true) {
  return rule_result{rule, required, verdict::fail, std::move(observed)};
}

std::string in_ms(std::chrono::milliseconds value) {
  return std::to_string(value.count()) + " ms";
}

std::string in_seconds(std::chrono::milliseconds value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g s", static_cast<double>(value.count()) / 1000.0);
  return text;
}

std::string quoted(std::string_view text) {
  return "\"" + excerpt(text) + "\"";
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Whether a Content-Type names the media type `type` (any case, parameters allowed).
bool has_media_type(std::string_view content_type, std::string_view type) {
  auto media = trim_ows(content_type.substr(0, content_type.find(';')));
  if (media.size() != type.size()) {
    return false;
  }
  for (std::size_t i = 0; i < media.size(); ++i) {
    if (lower(media[i]) != type[i]) {
      return false;
    }
  }
  return true;
}

const json* member(const json& object, const char* name) {
  if (!object.IsObject()) {
    return nullptr;
  }
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string_view text_of(const json& value) {
  return {value.GetString(), value.GetStringLength()};
}

bool is_integer(const json* value) {
  return value != nullptr && (value->IsInt64() || value->IsUint64());
}

bool is_count(const json* value) {
  return value != nullptr && value->IsUint64();
}

bool is_text(const json* value) {
  return value != nullptr && value->IsString();
}

bool is_text_equal(const json* value, std::string_view wanted) {
  return is_text(value) && text_of(*value) == wanted;
}

/// A JSON value in words, for "is X, not Y": a short quote of a string, else its kind.
std::string describe(const json* value) {
  if (value == nullptr) {
    return "absent";
  }
  if (value->IsString()) {
    return quoted(text_of(*value));
  }
  if (value->IsNull()) {
    return "null";
  }
  if (value->IsBool()) {
    return value->GetBool() ? "true" : "false";
  }
  if (value->IsNumber()) {
    return "a number";
  }
  return value->IsArray() ? "an array" : "an object";
}

/// A response that is not the one asked for, in words.
std::string unexpected(const observed_response& seen) {
  if (seen.status == 0) {
    return "no answer: " + seen.error;
  }
  std::string out = "answered " + std::to_string(seen.status);
  if (!seen.content_type.empty()) {
    out += " (" + excerpt(seen.content_type) + ")";
  }
  if (!seen.body.empty()) {
    out += ": " + excerpt(seen.body);
  }
  if (!seen.error.empty()) {
    out += "; then " + seen.error;
  }
  return out;
}

/// Why the exchange is not a complete 200 of `media_type`; empty when it is.
std::string transfer_problem(const observed_response& seen, std::string_view media_type) {
  if (seen.status != 200) {
    return unexpected(seen);
  }
  if (!has_media_type(seen.content_type, media_type)) {
    return "200 with Content-Type " + quoted(seen.content_type) + ", not "
           + std::string{media_type};
  }
  if (!seen.error.empty()) {
    return "200, then " + seen.error;
  }
  return {};
}

/// Why `usage` is not the three non-negative integer counts; empty when it is.
std::string usage_problem(const json* usage, const std::string& where) {
  if (usage == nullptr || !usage->IsObject()) {
    return where + " has no \"usage\" object (" + describe(usage) + ")";
  }
  for (const char* count : {"prompt_tokens", "completion_tokens", "total_tokens"}) {
    if (!is_count(member(*usage, count))) {
      return where + "'s usage." + count + " is " + describe(member(*usage, count))
             + ", not a non-negative integer";
    }
  }
  return {};
}

std::string usage_in_words(const json& usage) {
  return "prompt " + std::to_string(usage["prompt_tokens"].GetUint64()) + ", completion "
         + std::to_string(usage["completion_tokens"].GetUint64()) + ", total "
         + std::to_string(usage["total_tokens"].GetUint64());
}

/// Why a parsed body is not a chat completion in OpenAI's shape; empty when it is.
std::string completion_problem(const json& doc) {
  if (const auto* id = member(doc, "id"); !is_text(id) || id->GetStringLength() == 0) {
    return "\"id\" is " + describe(id) + ", not a non-empty string";
  }
  if (const auto* object = member(doc, "object"); !is_text_equal(object, "chat.completion")) {
    return "\"object\" is " + describe(object) + ", not \"chat.completion\"";
  }
  if (const auto* created = member(doc, "created"); !is_integer(created)) {
    return "\"created\" is " + describe(created) + ", not an integer";
  }
  if (const auto* model = member(doc, "model"); !is_text(model)) {
    return "\"model\" is " + describe(model) + ", not a string";
  }
  const auto* choices = member(doc, "choices");
  if (choices == nullptr || !choices->IsArray() || choices->Empty()) {
    return "\"choices\" is " + describe(choices) + ", not a non-empty array";
  }
  const auto& first = (*choices)[0];
  const auto* message = member(first, "message");
  if (message == nullptr || !message->IsObject()) {
    return "choices[0].message is " + describe(message) + ", not an object";
  }
  if (const auto* role = member(*message, "role"); !is_text_equal(role, "assistant")) {
    return "choices[0].message.role is " + describe(role) + ", not \"assistant\"";
  }
  if (const auto* content = member(*message, "content"); !is_text(content)) {
    return "choices[0].message.content is " + describe(content) + ", not a string";
  }
  if (const auto* finish = member(first, "finish_reason"); !is_text(finish)) {
    return "choices[0].finish_reason is " + describe(finish) + ", not a string";
  }
  return usage_problem(member(doc, "usage"), "the answer");
}

// -- server-sent events ---------------------------------------------------------------------

/// One event of a text/event-stream: its data lines joined with '\n'.
struct sse_frame {
  std::string data;
  bool has_data = false;
  /// The first field of the frame that is not `data` (e.g. "event"); empty when none.
  std::string other_field;
};

/// Reads a text/event-stream's frames one by one, as the SSE specification splits them: lines
/// end at CRLF, LF or CR, a frame at an empty line, `:` starts a comment. Holds one frame at a
/// time, so a body of many tiny frames costs no more memory than one.
class sse_reader {
public:
  explicit sse_reader(std::string_view body) : rest_(body) {
  }

  /// The next complete frame; nothing at the end of the body.
  std::optional<sse_frame> next() {
    sse_frame frame;
    bool started = false;
    while (!rest_.empty()) {
      auto end = rest_.find_first_of("\r\n");
      if (end == std::string_view::npos) {
        cut_ = true;
        rest_ = {};
        break;
      }
      auto line = rest_.substr(0, end);
      auto next = end + 1;
      if (rest_[end] == '\r' && next < rest_.size() && rest_[next] == '\n') {
        ++next;
      }
      rest_.remove_prefix(next);
      if (line.empty()) {
        if (started) {
          return frame;
        }
        continue;
      }
      started = true;
      if (line.front() == ':') {
        continue;
      }
      auto colon = line.find(':');
      auto field = line.substr(0, colon);
      auto value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
      if (value.starts_with(' ')) {
        value.remove_prefix(1);
      }
      if (field == "data") {
        if (frame.has_data) {
          frame.data += '\n';
        }
        frame.data += value;
        frame.has_data = true;
      } else if (frame.other_field.empty()) {
        frame.other_field = field.empty() ? std::string{"(empty)"} : excerpt(field);
      }
    }
    if (started) {
      cut_ = true;
    }
    return std::nullopt;
  }

  /// Whether the body ended inside a frame (no empty line after its last line).
  bool cut() const noexcept {
    return cut_;
  }

private:
  std::string_view rest_;
  bool cut_ = false;
};

/// What a stream of chat completion chunks held, and the first rule it broke.
struct chunk_stream {
  /// The first broken rule, in words; empty when the stream is well formed.
  std::string problem;
  std::size_t chunks = 0;
  std::string id;
  std::string finish_reason;
  /// Whether the last chunk before [DONE] has empty `choices`, and its usage in words.
  bool usage_last = false;
  std::string usage;
  /// Why the last chunk is not a usage chunk (when it is not).
  std::string usage_missing = "no chunk with empty \"choices\" and \"usage\" before data: [DONE]";
};

/// Checks one chunk (chunk number `n`, from 1) against the stream so far.
std::string chunk_problem(const json& chunk, std::size_t n, chunk_stream& out, bool& role_seen,
                          std::size_t& finished_at) {
  auto where = "chunk " + std::to_string(n);
  if (const auto* error = member(chunk, "error")) {
    const auto* message = member(*error, "message");
    return where + " is an error: " + (is_text(message) ? quoted(text_of(*message))
                                                        : describe(error));
  }
  if (const auto* object = member(chunk, "object");
      !is_text_equal(object, "chat.completion.chunk")) {
    return where + " has \"object\" " + describe(object) + ", not \"chat.completion.chunk\"";
  }
  const auto* id = member(chunk, "id");
  if (!is_text(id) || id->GetStringLength() == 0) {
    return where + " has \"id\" " + describe(id) + ", not a non-empty string";
  }
  if (n == 1) {
    out.id = std::string{text_of(*id)};
  } else if (text_of(*id) != out.id) {
    return where + " has \"id\" " + quoted(text_of(*id)) + ", chunk 1 had " + quoted(out.id);
  }
  if (const auto* created = member(chunk, "created"); !is_integer(created)) {
    return where + " has \"created\" " + describe(created) + ", not an integer";
  }
  if (const auto* model = member(chunk, "model"); !is_text(model)) {
    return where + " has \"model\" " + describe(model) + ", not a string";
  }
  const auto* choices = member(chunk, "choices");
  if (choices == nullptr || !choices->IsArray()) {
    return where + " has \"choices\" " + describe(choices) + ", not an array";
  }
  out.usage_last = false;
  if (choices->Empty()) {
    auto problem = usage_problem(member(chunk, "usage"), where);
    if (problem.empty()) {
      out.usage_last = true;
      out.usage = usage_in_words(chunk["usage"]);
    } else {
      out.usage_missing = problem;
    }
    return {};
  }
  const auto& first = (*choices)[0];
  const auto* delta = member(first, "delta");
  if (delta == nullptr || !delta->IsObject()) {
    return where + "'s choices[0].delta is " + describe(delta) + ", not an object";
  }
  if (!role_seen) {
    role_seen = true;
    if (const auto* role = member(*delta, "role"); !is_text_equal(role, "assistant")) {
      return "the first delta (" + where + ") has \"role\" " + describe(role)
             + ", not \"assistant\"";
    }
  }
  if (const auto* content = member(*delta, "content");
      content != nullptr && !content->IsNull() && !content->IsString()) {
    return where + "'s delta.content is " + describe(content) + ", not a string";
  }
  if (finished_at != 0) {
    return "chunk " + std::to_string(finished_at) + " has finish_reason "
           + quoted(out.finish_reason) + ", yet " + where + " still has choices";
  }
  const auto* finish = member(first, "finish_reason");
  if (finish != nullptr && !finish->IsNull()) {
    if (!finish->IsString()) {
      return where + " has finish_reason " + describe(finish) + ", not a string or null";
    }
    finished_at = n;
    out.finish_reason = std::string{text_of(*finish)};
  }
  return {};
}

chunk_stream read_chunks(const observed_response& seen) {
  chunk_stream out;
  if (seen.status != 200) {
    out.problem = unexpected(seen);
    return out;
  }
  if (!has_media_type(seen.content_type, "text/event-stream")) {
    out.problem = "200 with Content-Type " + quoted(seen.content_type)
                  + ", not text/event-stream";
    return out;
  }
  sse_reader frames{seen.body};
  std::size_t frame_number = 0;
  bool done = false;
  bool role_seen = false;
  std::size_t finished_at = 0;
  while (auto frame = frames.next()) {
    ++frame_number;
    auto where = "frame " + std::to_string(frame_number);
    if (!frame->other_field.empty()) {
      out.problem = where + " has a \"" + frame->other_field
                    + ":\" field: every frame is data: only";
      return out;
    }
    if (!frame->has_data) {
      continue;
    }
    if (done) {
      out.problem = where + " follows data: [DONE]";
      return out;
    }
    if (frame->data == "[DONE]") {
      done = true;
      continue;
    }
    rapidjson::Document chunk;
    if (!parse_bounded_json(chunk, frame->data, max_json_depth).ok() || !chunk.IsObject()) {
      out.problem = where + " is not data: {json}: " + quoted(frame->data);
      return out;
    }
    ++out.chunks;
    out.problem = chunk_problem(chunk, out.chunks, out, role_seen, finished_at);
    if (!out.problem.empty()) {
      return out;
    }
  }
  auto after = " after " + std::to_string(out.chunks) + " chunks";
  if (!seen.error.empty()) {
    out.problem = "the stream broke" + after + ": " + seen.error;
  } else if (frames.cut()) {
    out.problem = "the stream ended inside a frame" + after + " (no empty line after it)";
  } else if (!role_seen) {
    out.problem = "no chunk with choices came (" + std::to_string(out.chunks) + " chunks)";
  } else if (finished_at == 0) {
    out.problem = "the last content chunk has no finish_reason";
  } else if (!done) {
    out.problem = "the stream ended without data: [DONE]" + after;
  }
  return out;
}

} // namespace

rule_result judge_health(const health_observation& seen) {
  constexpr auto rule = rule_id::health;
  if (!seen.start_failure.empty()) {
    return failed(rule, "the container did not start: " + seen.start_failure);
  }
  if (seen.ready) {
    return passed(rule, "200 after " + in_ms(seen.boot));
  }
  if (!seen.exited.empty()) {
    return failed(rule, "the container " + seen.exited + " after " + in_ms(seen.boot)
                          + ", before /health answered 200");
  }
  std::string observed = "no 200 within " + in_ms(seen.timeout);
  if (!seen.last_failure.empty()) {
    observed += " (" + std::to_string(seen.probes) + " probes, the last: " + seen.last_failure
                + ")";
  }
  return failed(rule, std::move(observed));
}

rule_result judge_chat(const observed_response& seen) {
  constexpr auto rule = rule_id::chat;
  if (auto problem = transfer_problem(seen, "application/json"); !problem.empty()) {
    return failed(rule, std::move(problem));
  }
  rapidjson::Document doc;
  if (!parse_bounded_json(doc, seen.body, max_json_depth).ok() || !doc.IsObject()) {
    return failed(rule, "the body is not a JSON object: " + quoted(seen.body));
  }
  if (auto problem = completion_problem(doc); !problem.empty()) {
    return failed(rule, std::move(problem));
  }
  const auto& usage = doc["usage"];
  return passed(rule, "200 application/json in " + in_ms(seen.took) + ": finish_reason "
                        + quoted(text_of(doc["choices"][0]["finish_reason"])) + ", "
                        + std::to_string(usage["completion_tokens"].GetUint64())
                        + " completion tokens");
}

rule_result judge_stream(const observed_response& seen) {
  constexpr auto rule = rule_id::stream;
  auto stream = read_chunks(seen);
  if (!stream.problem.empty()) {
    return failed(rule, std::move(stream.problem));
  }
  return passed(rule, std::to_string(stream.chunks) + " chunks with one id, role first, "
                        + "finish_reason " + quoted(stream.finish_reason)
                        + ", then data: [DONE] (" + in_ms(seen.took) + ")");
}

rule_result judge_stream_usage(const observed_response& seen) {
  constexpr auto rule = rule_id::stream_usage;
  auto stream = read_chunks(seen);
  if (!stream.problem.empty()) {
    return failed(rule, std::move(stream.problem));
  }
  if (!stream.usage_last) {
    return failed(rule, std::move(stream.usage_missing));
  }
  return passed(rule, "a usage chunk before data: [DONE]: " + stream.usage);
}

rule_result judge_models(const observed_response& seen) {
  constexpr auto rule = rule_id::models;
  if (seen.status == 404) {
    return passed(rule, "absent (404): /v1/models is optional");
  }
  if (auto problem = transfer_problem(seen, "application/json"); !problem.empty()) {
    return failed(rule, std::move(problem));
  }
  rapidjson::Document doc;
  if (!parse_bounded_json(doc, seen.body, max_json_depth).ok() || !doc.IsObject()) {
    return failed(rule, "the body is not a JSON object: " + quoted(seen.body));
  }
  if (const auto* object = member(doc, "object"); !is_text_equal(object, "list")) {
    return failed(rule, "\"object\" is " + describe(object) + ", not \"list\"");
  }
  const auto* data = member(doc, "data");
  if (data == nullptr || !data->IsArray()) {
    return failed(rule, "\"data\" is " + describe(data) + ", not an array");
  }
  std::size_t index = 0;
  for (const auto& entry : data->GetArray()) {
    auto where = "data[" + std::to_string(index++) + "]";
    const auto* id = member(entry, "id");
    if (!is_text(id) || id->GetStringLength() == 0) {
      return failed(rule, where + ".id is " + describe(id) + ", not a non-empty string");
    }
    if (const auto* object = member(entry, "object"); !is_text_equal(object, "model")) {
      return failed(rule, where + ".object is " + describe(object) + ", not \"model\"");
    }
  }
  std::string observed = "200: a list of " + std::to_string(data->Size())
                         + (data->Size() == 1 ? " model" : " models");
  if (!data->Empty()) {
    observed += ", the first " + quoted(text_of((*data)[0]["id"]));
  }
  return passed(rule, std::move(observed));
}

rule_result judge_errors(const observed_response& seen) {
  constexpr auto rule = rule_id::errors;
  if (seen.status == 0) {
    return failed(rule, "no answer to a malformed body: " + seen.error);
  }
  auto status = std::to_string(seen.status) + " to a malformed body";
  if (seen.status >= 400 && seen.status < 500) {
    rapidjson::Document doc;
    bool parsed = parse_bounded_json(doc, seen.body, max_json_depth).ok();
    const auto* error = parsed ? member(doc, "error") : nullptr;
    bool openai = error != nullptr && is_text(member(*error, "message"));
    return passed(rule, status + (openai ? " with an OpenAI error body"
                                         : ", not an OpenAI error body (allowed)"));
  }
  if (seen.status >= 500) {
    return failed(rule, status + ": a client's mistake must get a 4xx, not a server error");
  }
  return failed(rule, status + ": it must be refused with a 4xx");
}

rule_result judge_sigterm(const stop_observation& seen) {
  constexpr auto rule = rule_id::sigterm;
  if (!seen.error.empty()) {
    return failed(rule, "the stop did not complete: " + seen.error);
  }
  if (seen.still_running) {
    return failed(rule, "still running " + in_ms(seen.took) + " after SIGTERM");
  }
  if (seen.oom_killed) {
    return failed(rule, "OOM-killed " + in_ms(seen.took) + " after SIGTERM");
  }
  constexpr int killed = 128 + 9;
  if (seen.exit_code == killed || seen.took >= seen.grace) {
    return failed(rule, "killed (status " + std::to_string(seen.exit_code) + ") after the "
                          + in_seconds(seen.grace)
                          + " grace period: SIGTERM did not end it");
  }
  std::string status = "exited with status " + std::to_string(seen.exit_code);
  if (seen.exit_code > 128 && seen.exit_code < 128 + 65) {
    status += " (signal " + std::to_string(seen.exit_code - 128) + ")";
  }
  return passed(rule, status + ", " + in_ms(seen.took) + " after SIGTERM (grace "
                        + in_seconds(seen.grace) + ")");
}

rule_result judge_idle_memory(const memory_observation& seen, std::optional<std::uint64_t> max) {
  constexpr auto rule = rule_id::idle_memory;
  bool required = max.has_value();
  if (!seen.reading) {
    auto observed = "not measured: " + seen.unavailable;
    return required ? failed(rule, std::move(observed), true)
                    : rule_result{rule, false, verdict::skip, std::move(observed)};
  }
  const auto& reading = *seen.reading;
  auto observed = bytes_in_words(reading.usage);
  if (reading.limit > 0) {
    char share[32];
    std::snprintf(share, sizeof share, " (%.1f%%)",
                  100.0 * static_cast<double>(reading.usage) / static_cast<double>(reading.limit));
    observed += " of the " + bytes_in_words(reading.limit) + " limit" + share;
  }
  if (!required) {
    return passed(rule, std::move(observed), false);
  }
  if (reading.usage > *max) {
    return failed(rule, observed + ", over the maximum of " + bytes_in_words(*max));
  }
  return passed(rule, observed + ", within the maximum of " + bytes_in_words(*max));
}

std::optional<memory_reading> parse_memory_stats(std::string_view text) {
  rapidjson::Document doc;
  if (!parse_bounded_json(doc, text, max_json_depth).ok() || !doc.IsObject()) {
    return std::nullopt;
  }
  const auto* memory = member(doc, "memory_stats");
  if (memory == nullptr || !is_count(member(*memory, "usage"))) {
    return std::nullopt;
  }
  memory_reading out;
  out.usage = (*memory)["usage"].GetUint64();
  if (const auto* limit = member(*memory, "limit"); is_count(limit)) {
    out.limit = limit->GetUint64();
  }
  if (const auto* stats = member(*memory, "stats"); stats != nullptr && stats->IsObject()) {
    for (const char* cache : {"total_inactive_file", "inactive_file"}) {
      const auto* inactive = member(*stats, cache);
      if (is_count(inactive) && inactive->GetUint64() < out.usage) {
        out.usage -= inactive->GetUint64();
        break;
      }
    }
  }
  return out;
}

std::string excerpt(std::string_view text) {
  // A bad byte grows to three when cleaned: clean the first bytes that can matter, then cut.
  auto clean = to_valid_utf8(text.substr(0, max_excerpt_bytes + 1));
  auto kept = std::string{utf8_prefix(clean, max_excerpt_bytes)};
  for (auto& c : kept) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      c = ' ';
    }
  }
  if (kept.size() < clean.size() || text.size() > max_excerpt_bytes) {
    kept += "...";
  }
  return kept;
}

std::string bytes_in_words(std::uint64_t bytes) {
  constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) {
    return std::to_string(bytes) + " B";
  }
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(units)) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

} // namespace janus::check
