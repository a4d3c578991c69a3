#include "apps/janus-bench/response_meter.hpp"

#include "apps/janus-bench/bounded_json.hpp"

#include <algorithm>
#include <limits>
#include <optional>

namespace janus::bench {

namespace {

constexpr std::size_t max_whole_body = 4 * 1024 * 1024;

/// The `error.message` of an error object, or a short stand-in.
std::string error_message(const rapidjson::Value& error) {
  if (error.IsObject()) {
    auto message = error.FindMember("message");
    if (message != error.MemberEnd() && message->value.IsString()) {
      return {message->value.GetString(), message->value.GetStringLength()};
    }
  }
  if (error.IsString()) {
    return {error.GetString(), error.GetStringLength()};
  }
  return "(no message)";
}

/// Choices whose delta carries a non-empty content string.
std::uint32_t content_deltas(const rapidjson::Value& chunk) {
  auto choices = chunk.FindMember("choices");
  if (choices == chunk.MemberEnd() || !choices->value.IsArray()) {
    return 0;
  }
  std::uint32_t count = 0;
  for (const auto& choice : choices->value.GetArray()) {
    if (!choice.IsObject()) {
      continue;
    }
    auto delta = choice.FindMember("delta");
    if (delta == choice.MemberEnd() || !delta->value.IsObject()) {
      continue;
    }
    auto content = delta->value.FindMember("content");
    if (content != delta->value.MemberEnd() && content->value.IsString()
        && content->value.GetStringLength() > 0) {
      ++count;
    }
  }
  return count;
}

/// A whole number member of `object`, if it has one.
std::optional<std::uint32_t> uint_member(const rapidjson::Value& object, const char* name) {
  auto found = object.FindMember(name);
  if (found == object.MemberEnd() || !found->value.IsUint()) {
    return std::nullopt;
  }
  return found->value.GetUint();
}

} // namespace

response_meter::response_meter(bool event_stream) : event_stream_(event_stream) {
  // nop
}

std::uint32_t response_meter::output_tokens() const {
  return has_usage_ ? usage_tokens_ : deltas_;
}

token_source response_meter::tokens_from() const {
  if (has_usage_) {
    return token_source::usage;
  }
  return event_stream_ ? token_source::chunks : token_source::none;
}

void response_meter::on_body(std::string_view piece, std::int64_t at_us) {
  if (!event_stream_) {
    if (body_.size() + piece.size() <= max_whole_body) {
      body_.append(piece);
    } else {
      body_truncated_ = true;
    }
    return;
  }
  if (reader_.feed(piece) > 0) {
    for (const auto& data : reader_.events()) {
      on_event(data, at_us);
    }
  }
  if (reader_.overflowed()) {
    fail("a stream frame is over 4 MiB");
  }
}

void response_meter::on_event(std::string_view data, std::int64_t at_us) {
  ++events_;
  if (done_ || failed()) {
    return;
  }
  if (data == "[DONE]") {
    done_ = true;
    return;
  }
  auto doc = parse_bounded_json(data);
  if (!doc || !doc->IsObject()) {
    fail("a stream frame is not a JSON object");
    return;
  }
  auto error = doc->FindMember("error");
  if (error != doc->MemberEnd() && !error->value.IsNull()) {
    fail("error frame: " + error_message(error->value));
    return;
  }
  auto usage = doc->FindMember("usage");
  if (usage != doc->MemberEnd() && usage->value.IsObject()) {
    if (auto completion = uint_member(usage->value, "completion_tokens")) {
      has_usage_ = true;
      usage_tokens_ = *completion;
    }
    input_tokens_ = uint_member(usage->value, "prompt_tokens").value_or(input_tokens_);
  }
  const auto deltas = content_deltas(*doc);
  if (deltas == 0) {
    return;
  }
  deltas_ += deltas;
  ++chunks_;
  if (first_token_us_ < 0) {
    first_token_us_ = at_us;
  } else {
    const auto gap = std::clamp<std::int64_t>(at_us - last_token_us_, 0,
                                              std::numeric_limits<std::uint32_t>::max());
    itls_.push_back(static_cast<std::uint32_t>(gap));
  }
  last_token_us_ = at_us;
}

void response_meter::finish(bool complete) {
  if (event_stream_) {
    if (failed()) {
      return;
    }
    if (!complete || reader_.mid_event()) {
      fail("stream cut after " + std::to_string(events_) + " frames");
    } else if (!done_) {
      fail("stream ended without data: [DONE]");
    }
    return;
  }
  if (!complete) {
    fail("answer cut short");
    return;
  }
  if (body_truncated_) {
    return;
  }
  auto doc = parse_bounded_json(body_);
  if (!doc || !doc->IsObject()) {
    fail("the answer is not a JSON object");
    return;
  }
  auto error = doc->FindMember("error");
  if (error != doc->MemberEnd() && !error->value.IsNull()) {
    fail("error answer: " + error_message(error->value));
    return;
  }
  auto usage = doc->FindMember("usage");
  if (usage != doc->MemberEnd() && usage->value.IsObject()) {
    if (auto completion = uint_member(usage->value, "completion_tokens")) {
      has_usage_ = true;
      usage_tokens_ = *completion;
    }
    input_tokens_ = uint_member(usage->value, "prompt_tokens").value_or(0);
  }
}

void response_meter::fail(std::string why) {
  if (failure_.empty()) {
    failure_ = std::move(why);
  }
}

} // namespace janus::bench
