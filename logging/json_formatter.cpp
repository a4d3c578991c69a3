#include "logging/json_formatter.hpp"

#include <chrono>

#include "logging/payload.hpp"

namespace janus::logging {

namespace {

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

/// The length of the valid UTF-8 sequence at the start of `text`, 0 when it is not one.
std::size_t utf8_sequence(std::string_view text) {
  auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  auto lead = byte(0);
  std::size_t length = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 && lead <= 0xDF ? 2 : 0;
  if (length == 0 || text.size() < length) {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      return 0;
    }
  }
  // Overlong forms, surrogates and code points above U+10FFFF.
  if ((lead == 0xE0 && byte(1) < 0xA0) || (lead == 0xED && byte(1) > 0x9F)
      || (lead == 0xF0 && byte(1) < 0x90) || (lead == 0xF4 && byte(1) > 0x8F)) {
    return 0;
  }
  return length;
}

} // namespace

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

void append_json_escaped(spdlog::memory_buf_t& dest, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < text.size(); ++i) {
    // A run of plain printable ASCII goes in at once.
    auto run = i;
    while (run < text.size() && static_cast<unsigned char>(text[run]) >= 0x20
           && static_cast<unsigned char>(text[run]) < 0x7F && text[run] != '"' && text[run] != '\\') {
      ++run;
    }
    if (run > i) {
      dest.append(text.data() + i, text.data() + run);
      i = run;
      if (i == text.size()) {
        break;
      }
    }
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      dest.push_back('\\');
      dest.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      append(dest, "\\n");
    } else if (c == '\r') {
      append(dest, "\\r");
    } else if (c == '\t') {
      append(dest, "\\t");
    } else if (c < 0x20 || c == 0x7F) {
      char escaped[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
      dest.append(escaped, escaped + sizeof(escaped));
    } else if (c < 0x80) {
      dest.push_back(static_cast<char>(c));
    } else if (auto length = utf8_sequence(text.substr(i)); length > 0) {
      dest.append(text.data() + i, text.data() + i + length);
      i += length - 1;
    } else {
      append(dest, "\\ufffd");
    }
  }
}

void json_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  using namespace std::chrono;
  auto since_epoch = msg.time.time_since_epoch();
  auto second = duration_cast<seconds>(since_epoch);
  auto millis = duration_cast<milliseconds>(since_epoch - second).count();
  if (second.count() != cached_second_) {
    cached_second_ = static_cast<std::time_t>(second.count());
    std::tm utc{};
    ::gmtime_r(&cached_second_, &utc);
    std::strftime(cached_text_, sizeof(cached_text_), "%Y-%m-%dT%H:%M:%S", &utc);
  }
  std::string_view payload{msg.payload.data(), msg.payload.size()};
  dest.reserve(dest.size() + payload.size() + 96); // one allocation for a typical line
  append(dest, R"({"time":")");
  append(dest, cached_text_);
  char fraction[] = {'.', static_cast<char>('0' + millis / 100), static_cast<char>('0' + millis / 10 % 10),
                     static_cast<char>('0' + millis % 10), 'Z', '"'};
  dest.append(fraction, fraction + sizeof(fraction));
  append(dest, R"(,"level":")");
  append(dest, level_name(msg.level));
  append(dest, R"(","msg":")");
  append_json_escaped(dest, message_of(payload));
  dest.push_back('"');
  for_each_field(payload, [&dest](const field_view& f) {
    append(dest, ",\"");
    append_json_escaped(dest, f.key);
    append(dest, "\":");
    if (f.is_number) {
      append(dest, f.value);
    } else {
      dest.push_back('"');
      append_json_escaped(dest, f.value);
      dest.push_back('"');
    }
  });
  append(dest, "}\n");
}

std::unique_ptr<spdlog::formatter> json_formatter::clone() const {
  return std::make_unique<json_formatter>();
}

} // namespace janus::logging
