#include "logging/text_fields.hpp"

#include "logging/payload.hpp"

namespace janus::logging {

namespace {

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

bool needs_quotes(std::string_view value) {
  return value.empty() || value.find_first_of(" \"=\t\n\\") != std::string_view::npos;
}

} // namespace

void text_fields_flag::format(const spdlog::details::log_msg& msg, const std::tm&,
                              spdlog::memory_buf_t& dest) {
  std::string_view payload{msg.payload.data(), msg.payload.size()};
  append(dest, message_of(payload));
  for_each_field(payload, [&dest](const field_view& f) {
    dest.push_back(' ');
    append(dest, f.key);
    dest.push_back('=');
    if (f.is_number || !needs_quotes(f.value)) {
      append(dest, f.value);
      return;
    }
    dest.push_back('"');
    for (char c : f.value) {
      if (c == '"' || c == '\\') {
        dest.push_back('\\');
        dest.push_back(c);
      } else if (c == '\n') {
        append(dest, "\\n");
      } else {
        dest.push_back(c);
      }
    }
    dest.push_back('"');
  });
}

std::unique_ptr<spdlog::custom_flag_formatter> text_fields_flag::clone() const {
  return std::make_unique<text_fields_flag>();
}

std::unique_ptr<spdlog::formatter> make_text_formatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<text_fields_flag>('*').set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %*");
  return formatter;
}

} // namespace janus::logging
