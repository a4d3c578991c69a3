#include "model/openai.hpp"

#include <rapidjson/allocators.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>

#include "model/utf8.hpp"

namespace janus {

namespace {

/// The field each validation message is about; messages start with "`field` ".
constexpr std::string_view field_model = "model";
constexpr std::string_view field_messages = "messages";
constexpr std::string_view field_stream = "stream";

/// SAX handler that looks at the top level members `model`, `messages` and `stream` only, and
/// stops the parse at the first object or array nested deeper than `max_depth`.
/// depth 0 = outside, 1 = inside the top-level object.
class chat_request_scanner
  : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, chat_request_scanner> {
public:
  enum class field { other, model, messages, stream };

  /// `stream`: the parse's input, whose position marks where the model's value is.
  chat_request_scanner(int max_depth, const rapidjson::MemoryStream& stream, std::string_view body)
    : max_depth_(max_depth), stream_(stream), body_(body) {
  }

  bool Default() {
    return scalar(kind::other);
  }

  bool Null() {
    return scalar(kind::null);
  }

  bool Bool(bool value) {
    bool_value_ = value;
    return scalar(kind::boolean);
  }

  bool String(const char* str, rapidjson::SizeType length, bool) {
    if (depth_ == 1 && current_ == field::model) {
      string_value_.assign(str, length);
      // The reader has just taken the closing quote; between the key's end and the value's
      // opening quote are only white space and ':'.
      auto end = stream_.Tell();
      auto begin = body_.find('"', model_key_end_);
      if (begin != std::string_view::npos && begin < end) {
        info_.model_offset = begin;
        info_.model_length = end - begin;
      }
    }
    return scalar(kind::string);
  }

  bool StartObject() {
    if (!within_depth()) {
      return false;
    }
    if (depth_ == 0) {
      saw_object_ = true;
    } else if (!enter_container(kind::object)) {
      return false;
    }
    ++depth_;
    return true;
  }

  bool Key(const char* str, rapidjson::SizeType length, bool) {
    if (depth_ == 1) {
      std::string_view key{str, length};
      current_ = key == field_model      ? field::model
                 : key == field_messages ? field::messages
                 : key == field_stream   ? field::stream
                                         : field::other;
      if (current_ != field::other) {
        // janusd routes on the member it reads, the container may read another: the same key
        // twice is refused rather than guessed at.
        auto& seen = seen_[static_cast<int>(current_)];
        if (seen) {
          return fail("`" + std::string{key} + "` is given more than once");
        }
        seen = true;
        if (current_ == field::model) {
          model_key_end_ = stream_.Tell();
        }
      }
    }
    return true;
  }

  bool EndObject(rapidjson::SizeType) {
    --depth_;
    return true;
  }

  bool StartArray() {
    if (depth_ == 0) {
      return fail("the request body must be a JSON object");
    }
    if (!within_depth()) {
      return false;
    }
    if (!enter_container(kind::array)) {
      return false;
    }
    ++depth_;
    return true;
  }

  bool EndArray(rapidjson::SizeType count) {
    --depth_;
    if (depth_ == 1 && in_messages_) {
      in_messages_ = false;
      messages_count_ = count;
      saw_messages_ = true;
    }
    return true;
  }

  /// The outcome once the parse succeeded.
  result<chat_request_info> finish() {
    if (!error_.empty()) {
      return error_info{errc::invalid_request, error_};
    }
    if (!saw_object_) {
      return error_info{errc::invalid_request, "the request body must be a JSON object"};
    }
    if (!saw_model_) {
      return error_info{errc::invalid_request, "`model` is required and must be a string"};
    }
    if (!saw_messages_) {
      return error_info{errc::invalid_request,
                        "`messages` is required and must be a non-empty array"};
    }
    if (messages_count_ == 0) {
      return error_info{errc::invalid_request, "`messages` must contain at least one message"};
    }
    return info_;
  }

  const std::string& error() const {
    return error_;
  }

private:
  enum class kind { null, boolean, string, array, object, other };

  /// A value at depth 1 (a top-level member) is checked against its field; deeper values are
  /// ignored.
  bool scalar(kind value_kind) {
    if (depth_ == 0) {
      return fail("the request body must be a JSON object");
    }
    if (depth_ != 1) {
      return true;
    }
    return check_member(value_kind);
  }

  /// False, with the error set, when one more object or array would pass the limit.
  bool within_depth() {
    if (depth_ < max_depth_) {
      return true;
    }
    return fail("the request body nests objects and arrays deeper than server.max_json_depth ("
                + std::to_string(max_depth_) + " levels)");
  }

  bool enter_container(kind value_kind) {
    if (depth_ != 1) {
      return true;
    }
    if (!check_member(value_kind)) {
      return false;
    }
    if (current_ == field::messages) {
      in_messages_ = true;
    }
    return true;
  }

  bool check_member(kind value_kind) {
    switch (current_) {
      case field::model:
        if (value_kind != kind::string || string_value_.empty()) {
          return fail("`model` must be a non-empty string");
        }
        if (!is_valid_utf8(string_value_)) {
          // The body's bytes are UTF-8 by now, but a `\udc00` escape still decodes to a lone
          // surrogate; the name is echoed in errors and logs, so it must be clean text.
          return fail("`model` must be valid UTF-8 (it holds an unpaired surrogate escape)");
        }
        info_.model = std::move(string_value_);
        saw_model_ = true;
        return true;
      case field::messages:
        if (value_kind != kind::array) {
          return fail("`messages` must be an array");
        }
        return true;
      case field::stream:
        if (value_kind == kind::null) {
          info_.stream = false;
          return true;
        }
        if (value_kind != kind::boolean) {
          return fail("`stream` must be a boolean");
        }
        info_.stream = bool_value_;
        return true;
      case field::other:
        return true;
    }
    return true;
  }

  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  int max_depth_;
  const rapidjson::MemoryStream& stream_;
  std::string_view body_;
  std::size_t model_key_end_ = 0;
  int depth_ = 0;
  field current_ = field::other;
  /// The routing members met at the top level so far, indexed by `field`.
  bool seen_[4] = {};
  bool saw_object_ = false;
  bool saw_model_ = false;
  bool saw_messages_ = false;
  bool in_messages_ = false;
  bool bool_value_ = false;
  rapidjson::SizeType messages_count_ = 0;
  std::string string_value_;
  std::string error_;
  chat_request_info info_;
};

} // namespace

result<chat_request_info> inspect_chat_request(std::string_view body, int max_depth) {
  // The whole body is checked for UTF-8 first, rather than with RapidJSON's
  // kParseValidateEncodingFlag: the same guarantee (outside strings JSON is ASCII) for a tenth
  // of the cost, since this runs on every chat request (the flag doubles the parse time).
  if (const auto bad = invalid_utf8_offset(body); bad != std::string_view::npos) {
    return error_info{errc::invalid_request,
                      "the request body is not valid UTF-8 (at byte " + std::to_string(bad) + ")"};
  }
  // The reader's stack (the nesting, and each string while it is read) starts in this frame, so
  // a usual chat request is read with no heap allocation. Past it the pool takes chunks from
  // the heap and frees them all at the end: for a body of n bytes at most about 3n (the stack
  // grows by half each time and the pool does not free as it goes); the body is bounded by
  // max_body_bytes.
  alignas(8) char stack_room[1024];
  rapidjson::MemoryPoolAllocator<> stack_pool{stack_room, sizeof stack_room};
  rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>>
    reader{&stack_pool, 256};
  rapidjson::MemoryStream stream{body.data(), body.size()};
  chat_request_scanner scanner{max_depth, stream, body};
  constexpr unsigned flags = rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseIterativeFlag;
  auto parsed = reader.Parse<flags>(stream, scanner);
  if (parsed.IsError() && scanner.error().empty()) {
    std::string message = "the request body is not valid JSON: ";
    message += rapidjson::GetParseError_En(parsed.Code());
    message += " (at byte " + std::to_string(parsed.Offset()) + ")";
    return error_info{errc::invalid_request, std::move(message)};
  }
  if (!parsed.IsError()) {
    // Anything but white space after the document is a syntax error too.
    for (auto pos = stream.Tell(); pos < body.size(); ++pos) {
      auto c = body[pos];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return error_info{errc::invalid_request,
                          "the request body is not valid JSON: unexpected data after the "
                          "document (at byte " + std::to_string(pos) + ")"};
      }
    }
  }
  return scanner.finish();
}

std::string rewrite_model(std::string_view body, const chat_request_info& info,
                          std::string_view name) {
  std::string out;
  out.reserve(body.size() + name.size() + 2);
  out.append(body.substr(0, info.model_offset)).append("\"").append(name).append("\"");
  out.append(body.substr(info.model_offset + info.model_length));
  return out;
}

std::string_view error_param(std::string_view message) {
  if (message.size() < 3 || message.front() != '`') {
    return {};
  }
  auto end = message.find('`', 1);
  if (end == std::string_view::npos) {
    return {};
  }
  return message.substr(1, end - 1);
}

std::string openai_error_body(std::string_view message, std::string_view type,
                              std::string_view param, std::string_view code) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  auto string_or_null = [&writer](std::string_view text) {
    if (text.empty()) {
      writer.Null();
    } else {
      writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }
  };
  writer.StartObject();
  writer.Key("error");
  writer.StartObject();
  writer.Key("message");
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  writer.Key("type");
  writer.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
  writer.Key("param");
  string_or_null(param);
  writer.Key("code");
  string_or_null(code);
  writer.EndObject();
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

} // namespace janus
