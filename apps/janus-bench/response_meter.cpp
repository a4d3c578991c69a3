#include "apps/janus-bench/response_meter.hpp"

#include <rapidjson/document.h>

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

} // namespace

response_meter::response_meter(bool event_stream) : event_stream_(event_stream) {
  // nop
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
  if (reader_.feed(piece) == 0) {
    return;
  }
  if (first_event_us_ < 0) {
    first_event_us_ = at_us;
  }
  for (const auto& data : reader_.events()) {
    on_event(data);
  }
}

void response_meter::on_event(std::string_view data) {
  ++events_;
  if (done_ || failed()) {
    return;
  }
  if (data == "[DONE]") {
    done_ = true;
    return;
  }
  rapidjson::Document doc;
  doc.Parse(data.data(), data.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    fail("a stream frame is not a JSON object");
    return;
  }
  auto error = doc.FindMember("error");
  if (error != doc.MemberEnd() && !error->value.IsNull()) {
    fail("error frame: " + error_message(error->value));
    return;
  }
  tokens_ += content_deltas(doc);
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
  rapidjson::Document doc;
  doc.Parse(body_.data(), body_.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    fail("the answer is not a JSON object");
    return;
  }
  auto error = doc.FindMember("error");
  if (error != doc.MemberEnd() && !error->value.IsNull()) {
    fail("error answer: " + error_message(error->value));
    return;
  }
  auto usage = doc.FindMember("usage");
  if (usage != doc.MemberEnd() && usage->value.IsObject()) {
    auto completion = usage->value.FindMember("completion_tokens");
    if (completion != usage->value.MemberEnd() && completion->value.IsUint()) {
      tokens_ = completion->value.GetUint();
    }
  }
}

void response_meter::fail(std::string why) {
  if (failure_.empty()) {
    failure_ = std::move(why);
  }
}

} // namespace janus::bench
