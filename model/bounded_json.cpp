#include "model/bounded_json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

namespace janus {

namespace {

/// Hands every SAX event on to the document being built, and stops the parse at the first
/// object or array past the limit.
class depth_guard {
public:
  depth_guard(rapidjson::Document& doc, int max_depth) : doc_(doc), max_depth_(max_depth) {
  }

  bool Null() {
    return doc_.Null();
  }
  bool Bool(bool value) {
    return doc_.Bool(value);
  }
  bool Int(int value) {
    return doc_.Int(value);
  }
  bool Uint(unsigned value) {
    return doc_.Uint(value);
  }
  bool Int64(std::int64_t value) {
    return doc_.Int64(value);
  }
  bool Uint64(std::uint64_t value) {
    return doc_.Uint64(value);
  }
  bool Double(double value) {
    return doc_.Double(value);
  }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool copy) {
    return doc_.RawNumber(text, length, copy);
  }
  bool String(const char* text, rapidjson::SizeType length, bool copy) {
    return doc_.String(text, length, copy);
  }
  bool Key(const char* text, rapidjson::SizeType length, bool copy) {
    return doc_.Key(text, length, copy);
  }
  bool StartObject() {
    return enter() && doc_.StartObject();
  }
  bool EndObject(rapidjson::SizeType members) {
    --depth_;
    return doc_.EndObject(members);
  }
  bool StartArray() {
    return enter() && doc_.StartArray();
  }
  bool EndArray(rapidjson::SizeType elements) {
    --depth_;
    return doc_.EndArray(elements);
  }

  bool too_deep() const noexcept {
    return too_deep_;
  }

private:
  bool enter() {
    if (depth_ >= max_depth_) {
      too_deep_ = true;
      return false;
    }
    ++depth_;
    return true;
  }

  rapidjson::Document& doc_;
  int max_depth_;
  int depth_ = 0;
  bool too_deep_ = false;
};

constexpr unsigned bounded_flags = rapidjson::kParseIterativeFlag
                                   | rapidjson::kParseValidateEncodingFlag
                                   | rapidjson::kParseStopWhenDoneFlag;

bool is_json_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

} // namespace

json_outcome parse_bounded_json(rapidjson::Document& doc, std::string_view text, int max_depth) {
  json_outcome outcome;
  rapidjson::MemoryStream stream{text.data(), text.size()};
  auto generate = [&](rapidjson::Document& target) {
    depth_guard guard{target, max_depth};
    rapidjson::Reader reader;
    auto parsed = reader.Parse<bounded_flags>(stream, guard);
    if (!parsed.IsError()) {
      return true;
    }
    outcome.offset = parsed.Offset();
    if (guard.too_deep()) {
      outcome.refusal = json_refusal::too_deep;
    } else if (parsed.Code() == rapidjson::kParseErrorStringInvalidEncoding) {
      outcome.refusal = json_refusal::invalid_utf8;
    } else {
      outcome.refusal = json_refusal::syntax;
      outcome.what = rapidjson::GetParseError_En(parsed.Code());
    }
    return false;
  };
  doc.SetNull();
  doc.Populate(generate);
  if (outcome.ok()) {
    for (auto pos = stream.Tell(); pos < text.size(); ++pos) {
      if (!is_json_space(text[pos])) {
        outcome.refusal = json_refusal::syntax;
        outcome.offset = pos;
        outcome.what = "unexpected data after the value";
        doc.SetNull();
        break;
      }
    }
  }
  return outcome;
}

} // namespace janus
