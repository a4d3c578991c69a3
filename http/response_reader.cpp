#include "http/response_reader.hpp"
#include "model/hex.hpp"
#include "model/ows.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace janus::http {

namespace {

class answer_category_impl final : public boost::system::error_category {
public:
  const char* name() const noexcept override {
    return "janus.answer";
  }

  std::string message(int value) const override {
    switch (static_cast<answer_error>(value)) {
      case answer_error::closed_before_answer:
        return "the connection closed without an answer";
      case answer_error::ended_early:
        return "the connection closed before the answer was complete";
      case answer_error::bad_status_line:
        return "the answer's status line is malformed";
      case answer_error::bad_version:
        return "the answer is not HTTP/1.0 or HTTP/1.1";
      case answer_error::bare_line_feed:
        return "the answer's head has a line that does not end with CRLF";
      case answer_error::bad_field:
        return "the answer has a malformed header field";
      case answer_error::folded_field:
        return "the answer has a folded header field (obsolete line folding)";
      case answer_error::head_too_large:
        return "the answer's head is larger than its limit";
      case answer_error::bad_content_length:
        return "the answer's Content-Length is malformed or given twice";
      case answer_error::bad_transfer_encoding:
        return "the answer's Transfer-Encoding is not a single `chunked` of HTTP/1.1";
      case answer_error::length_and_chunked:
        return "the answer has both Content-Length and Transfer-Encoding";
      case answer_error::switching_protocols:
        return "the answer switches protocols (101)";
      case answer_error::bad_chunk:
        return "the answer's chunked body is malformed";
      case answer_error::chunk_line_too_long:
        return "a chunk size line of the answer is longer than its limit";
      case answer_error::trailer_too_large:
        return "the answer's trailer is larger than its limit";
    }
    return "unknown answer error";
  }
};

constexpr std::string_view crlf = "\r\n";

/// The classes of head bytes, one lookup each: RFC 9110's token characters (a field name), and
/// the characters of a field value or reason phrase (HTAB, SP, visible ASCII, obs-text).
enum : std::uint8_t { token_class = 1, text_class = 2 };

constexpr std::array<std::uint8_t, 256> char_classes = [] {
  std::array<std::uint8_t, 256> table{};
  constexpr std::string_view token_marks = "!#$%&'*+-.^_`|~";
  for (unsigned c = 0; c < table.size(); ++c) {
    auto lower = c | 0x20;
    bool token = (c >= '0' && c <= '9') || (lower >= 'a' && lower <= 'z')
                 || token_marks.find(static_cast<char>(c)) != std::string_view::npos;
    bool text = c == '\t' || (c >= 0x20 && c != 0x7f);
    table[c] = static_cast<std::uint8_t>((token ? token_class : 0) | (text ? text_class : 0));
  }
  return table;
}();

constexpr bool is_token_char(unsigned char c) {
  return (char_classes[c] & token_class) != 0;
}

constexpr bool is_text_char(unsigned char c) {
  return (char_classes[c] & text_class) != 0;
}

/// Whether the field name `name` (token characters only) is `lower` (letters and `-`) in any
/// case: setting bit 0x20 lowers a letter and leaves `-` as it is, and of the token
/// characters only the letter's two cases map to a letter.
bool name_is(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if ((static_cast<unsigned char>(name[i]) | 0x20) != static_cast<unsigned char>(lower[i])) {
      return false;
    }
  }
  return true;
}

/// Whether `text` is `lower` in any case (for values: any characters).
bool equals_lower(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<unsigned char>(c | 0x20);
    }
    if (c != static_cast<unsigned char>(lower[i])) {
      return false;
    }
  }
  return true;
}

/// The largest chunk size taken (2^60: far beyond any body; leading zeros are bounded by the
/// size line's limit).
constexpr std::uint64_t max_chunk_size = std::uint64_t{1} << 60;
/// The most decimal digits a Content-Length may have (below 10^18 < 2^63).
constexpr std::size_t max_length_digits = 18;

} // namespace

const boost::system::error_category& answer_category() noexcept {
  static const answer_category_impl category;
  return category;
}

boost::system::error_code make_error_code(answer_error error) noexcept {
  return {static_cast<int>(error), answer_category()};
}

void response_reader::reset(std::size_t head_limit) {
  auto kept = std::move(kept_);
  *this = response_reader{head_limit};
  kept.clear();
  kept_ = std::move(kept);
}

bool response_reader::keep_alive() const noexcept {
  if (framing_ == framing::until_close || close_) {
    return false;
  }
  return version_ == 11 || keep_alive_token_;
}

// -- the head ------------------------------------------------------------------------------

response_reader::step response_reader::read_head(std::string_view received) {
  received_any_ = received_any_ || !received.empty();
  // Each byte is looked at once however the head arrives: the search goes on from where the
  // last call stopped, from one line feed to the next (memchr), and every line feed must
  // follow a CR.
  while (!head_done_) {
    // Only the first head_limit bytes can hold the head: nothing beyond them is looked at, so
    // the answer does not depend on how the bytes arrived.
    auto end = std::min(received.size(), head_limit_);
    const auto* begin = received.data();
    const void* found =
      searched_ < end ? std::memchr(begin + searched_, '\n', end - searched_) : nullptr;
    if (found == nullptr) {
      searched_ = end;
      if (end == head_limit_) {
        return {0, 0, answer_error::head_too_large};
      }
      return {};
    }
    auto at = static_cast<std::size_t>(static_cast<const char*>(found) - begin);
    searched_ = at + 1;
    if (at == head_start_ || received[at - 1] != '\r') {
      return {0, 0, answer_error::bare_line_feed};
    }
    if (at - head_start_ < 3 || received[at - 2] != '\n') {
      continue; // the end of a line, not of the head
    }
    auto head_end = at + 1;
    if (auto failed = parse_head(received.substr(head_start_, head_end - head_start_))) {
      return {0, 0, failed};
    }
    if (status_ < 200) {
      // An interim answer (100 Continue, 103 Early Hints): the final one follows it.
      reset(head_limit_);
      received_any_ = true;
      head_start_ = head_end;
      searched_ = head_end;
      continue;
    }
    head_done_ = true;
  }
  return {searched_, 0, {}};
}

boost::system::error_code response_reader::parse_head(std::string_view head) {
  // The status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF.
  auto line_end = head.find(crlf);
  auto line = head.substr(0, line_end);
  if (line.size() < 12 || !line.starts_with("HTTP/1.") || line[8] != ' ') {
    return line.starts_with("HTTP/") ? answer_error::bad_version : answer_error::bad_status_line;
  }
  if (line[7] == '1') {
    version_ = 11;
  } else if (line[7] == '0') {
    version_ = 10;
  } else {
    return answer_error::bad_version;
  }
  unsigned code = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      return answer_error::bad_status_line;
    }
    code = code * 10 + static_cast<unsigned>(line[i] - '0');
  }
  if (code < 100) {
    return answer_error::bad_status_line;
  }
  if (line.size() > 12) {
    if (line[12] != ' ') {
      return answer_error::bad_status_line;
    }
    for (auto c : line.substr(13)) {
      if (!is_text_char(static_cast<unsigned char>(c))) {
        return answer_error::bad_status_line;
      }
    }
  }
  status_ = code;
  if (code == 101) {
    return answer_error::switching_protocols;
  }

  // The first Content-Type and Cache-Control (views into `head`, kept at the end).
  std::optional<std::string_view> type;
  std::optional<std::string_view> cache;
  // One pass over the fields, a table lookup a byte. Every line ends with CRLF and the head
  // with an empty line (read_head found it), so each scan below stops at a CR at the latest.
  const char* at = head.data() + line_end + crlf.size();
  const char* fields_end = head.data() + head.size() - crlf.size();
  while (at < fields_end) {
    if (*at == ' ' || *at == '\t') {
      return answer_error::folded_field;
    }
    const char* name_begin = at;
    while (is_token_char(static_cast<unsigned char>(*at))) {
      ++at;
    }
    if (at == name_begin || *at != ':') {
      return answer_error::bad_field;
    }
    std::string_view name{name_begin, static_cast<std::size_t>(at - name_begin)};
    const char* value_begin = ++at;
    while (is_text_char(static_cast<unsigned char>(*at))) {
      ++at;
    }
    if (at[0] != '\r' || at[1] != '\n') {
      return answer_error::bad_field; // a control character, a CR alone
    }
    auto value = trim_ows({value_begin, static_cast<std::size_t>(at - value_begin)});
    at += crlf.size();
    switch (name.size()) {
      case 10:
        if (name_is(name, "connection")) {
          // A list of tokens: `close` wins over anything else.
          while (!value.empty()) {
            auto comma = value.find(',');
            auto token = trim_ows(value.substr(0, comma));
            close_ = close_ || equals_lower(token, "close");
            keep_alive_token_ = keep_alive_token_ || equals_lower(token, "keep-alive");
            value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
          }
        }
        break;
      case 12:
        if (!type && name_is(name, "content-type")) {
          type = value;
        }
        break;
      case 13:
        if (!cache && name_is(name, "cache-control")) {
          cache = value;
        }
        break;
      case 14:
        if (name_is(name, "content-length")) {
          if (has_length_ || value.empty() || value.size() > max_length_digits) {
            return answer_error::bad_content_length;
          }
          std::uint64_t length = 0;
          for (auto c : value) {
            if (c < '0' || c > '9') {
              return answer_error::bad_content_length;
            }
            length = length * 10 + static_cast<std::uint64_t>(c - '0');
          }
          has_length_ = true;
          length_ = length;
        }
        break;
      case 17:
        if (name_is(name, "transfer-encoding")) {
          if (has_transfer_encoding_ || !equals_lower(value, "chunked")) {
            return answer_error::bad_transfer_encoding;
          }
          has_transfer_encoding_ = true; // and chunked: nothing else is taken
        }
        break;
      default:
        break;
    }
  }
  kept_.assign(type.value_or(std::string_view{})).append(cache.value_or(std::string_view{}));
  type_size_ = type ? type->size() : 0;
  return choose_framing();
}

boost::system::error_code response_reader::choose_framing() {
  if (has_transfer_encoding_ && has_length_) {
    return answer_error::length_and_chunked;
  }
  if (has_transfer_encoding_ && version_ != 11) {
    return answer_error::bad_transfer_encoding;
  }
  if (status_ < 200 || status_ == 204 || status_ == 304) {
    framing_ = framing::none;
    done_ = true;
  } else if (has_transfer_encoding_) {
    framing_ = framing::chunked;
  } else if (has_length_) {
    framing_ = framing::length;
    remaining_ = length_;
    done_ = length_ == 0;
  } else {
    framing_ = framing::until_close;
  }
  return {};
}

// -- the body ------------------------------------------------------------------------------

response_reader::step response_reader::read_body(std::string_view input, std::span<char> output) {
  step out;
  auto copy = [&](std::uint64_t most) {
    auto n = static_cast<std::size_t>(
      std::min<std::uint64_t>(most, std::min(input.size() - out.taken, output.size() - out.produced)));
    std::memcpy(output.data() + out.produced, input.data() + out.taken, n);
    out.taken += n;
    out.produced += n;
    return n;
  };
  switch (framing_) {
    case framing::none:
      return out;
    case framing::until_close:
      copy(input.size());
      return out;
    case framing::length:
      remaining_ -= copy(remaining_);
      done_ = remaining_ == 0;
      return out;
    case framing::chunked:
      break;
  }
  while (!done_ && out.taken < input.size()) {
    if (chunk_ == chunk_state::data) {
      if (out.produced == output.size()) {
        break;
      }
      remaining_ -= copy(remaining_);
      if (remaining_ == 0) {
        chunk_ = chunk_state::data_cr;
      }
      continue;
    }
    if (auto failed = chunk_byte(input[out.taken])) {
      out.error = failed;
      return out;
    }
    ++out.taken;
  }
  return out;
}

boost::system::error_code response_reader::chunk_byte(char c) {
  switch (chunk_) {
    case chunk_state::size: {
      auto digit = hex_value(c);
      if (digit >= 0) {
        if (remaining_ > max_chunk_size / 16) {
          return answer_error::bad_chunk;
        }
        remaining_ = remaining_ * 16 + static_cast<unsigned>(digit);
        size_has_digit_ = true;
      } else if (!size_has_digit_) {
        return answer_error::bad_chunk;
      } else if (c == ';') {
        chunk_ = chunk_state::extension;
      } else if (c == ' ' || c == '\t') {
        chunk_ = chunk_state::size_space;
      } else if (c == '\r') {
        chunk_ = chunk_state::size_lf;
      } else {
        return answer_error::bad_chunk;
      }
      break;
    }
    case chunk_state::size_space:
      // Whitespace after the size (RFC 9112's BWS) comes before an extension or the line's end.
      if (c == ';') {
        chunk_ = chunk_state::extension;
      } else if (c == '\r') {
        chunk_ = chunk_state::size_lf;
      } else if (c != ' ' && c != '\t') {
        return answer_error::bad_chunk;
      }
      break;
    case chunk_state::extension:
      if (c == '\r') {
        chunk_ = chunk_state::size_lf;
      } else if (!is_text_char(static_cast<unsigned char>(c))) {
        return answer_error::bad_chunk;
      }
      break;
    case chunk_state::size_lf:
      if (c != '\n') {
        return answer_error::bad_chunk;
      }
      chunk_ = remaining_ == 0 ? chunk_state::trailer_start : chunk_state::data;
      size_has_digit_ = false;
      line_bytes_ = 0;
      return {};
    case chunk_state::data:
      break; // read_body copies data itself
    case chunk_state::data_cr:
      if (c != '\r') {
        return answer_error::bad_chunk;
      }
      chunk_ = chunk_state::data_lf;
      break;
    case chunk_state::data_lf:
      if (c != '\n') {
        return answer_error::bad_chunk;
      }
      chunk_ = chunk_state::size;
      line_bytes_ = 0;
      return {};
    case chunk_state::trailer_start:
      if (c == '\r') {
        chunk_ = chunk_state::final_lf;
        break;
      }
      if (!is_text_char(static_cast<unsigned char>(c))) {
        return answer_error::bad_chunk;
      }
      chunk_ = chunk_state::trailer_line;
      break;
    case chunk_state::trailer_line:
      if (c == '\r') {
        chunk_ = chunk_state::trailer_lf;
      } else if (!is_text_char(static_cast<unsigned char>(c))) {
        return answer_error::bad_chunk;
      }
      break;
    case chunk_state::trailer_lf:
      if (c != '\n') {
        return answer_error::bad_chunk;
      }
      chunk_ = chunk_state::trailer_start;
      break;
    case chunk_state::final_lf:
      if (c != '\n') {
        return answer_error::bad_chunk;
      }
      done_ = true;
      return {};
  }
  if (chunk_ == chunk_state::trailer_start || chunk_ == chunk_state::trailer_line
      || chunk_ == chunk_state::trailer_lf || chunk_ == chunk_state::final_lf) {
    if (++trailer_bytes_ > max_trailer_bytes) {
      return answer_error::trailer_too_large;
    }
  } else if (++line_bytes_ > max_chunk_line_bytes) {
    return answer_error::chunk_line_too_long;
  }
  return {};
}

boost::system::error_code response_reader::end_of_input() {
  if (!head_done_) {
    return received_any_ ? answer_error::ended_early : answer_error::closed_before_answer;
  }
  if (done_) {
    return {};
  }
  if (framing_ == framing::until_close) {
    done_ = true;
    return {};
  }
  return answer_error::ended_early;
}

} // namespace janus::http
