#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <string_view>

namespace janus::baseline {

/// A compact RapidJSON writer into a string, with string_view-friendly helpers. Strings are
/// escaped by RapidJSON, so any request text can be rendered safely.
class json_writer {
public:
  using writer_type = rapidjson::Writer<rapidjson::StringBuffer>;

  json_writer() : writer_(buffer_) {
    // nop
  }

  json_writer(const json_writer&) = delete;
  json_writer& operator=(const json_writer&) = delete;

  /// The underlying writer, for objects, arrays, numbers and null.
  writer_type& writer() {
    return writer_;
  }

  /// Writes an object key.
  void key(std::string_view name) {
    writer_.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
  }

  /// Writes a string value.
  void string(std::string_view value) {
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }

  /// Writes a string value, or null when there is none.
  void optional_string(const std::optional<std::string>& value) {
    if (value) {
      string(*value);
    } else {
      writer_.Null();
    }
  }

  /// What was written so far.
  std::string_view view() const {
    return {buffer_.GetString(), buffer_.GetSize()};
  }

  /// What was written so far, as a string.
  std::string release() const {
    return std::string(view());
  }

private:
  rapidjson::StringBuffer buffer_;
  writer_type writer_;
};

/// `value` as a JSON string literal, quotes included.
inline std::string quoted(std::string_view value) {
  json_writer json;
  json.string(value);
  return json.release();
}

} // namespace janus::baseline
