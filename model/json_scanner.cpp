#include "model/json_scanner.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "model/hex.hpp"

namespace janus {

namespace {

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// Whether a byte ends a string's plain run: '"', '\\' or a control character.
constexpr bool ends_plain(char c) noexcept {
  return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
}

/// The value of the four hex digits at the start of `digits`, or -1.
int hex4(std::string_view digits) noexcept {
  if (digits.size() < 4) {
    return -1;
  }
  int value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    const int digit = hex_value(digits[i]);
    if (digit < 0) {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

constexpr bool is_high_surrogate(int code) noexcept {
  return code >= 0xD800 && code <= 0xDBFF;
}

constexpr bool is_low_surrogate(int code) noexcept {
  return code >= 0xDC00 && code <= 0xDFFF;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

} // namespace

json_scanner::json_scanner(std::string_view text, int max_depth) noexcept
  : input_(text), max_depth_(std::clamp(max_depth, 1, max_nesting)) {
}

json_token json_scanner::next() noexcept {
  token_text_ = {};
  escaped_ = false;
  for (;;) {
    skip_space();
    token_start_ = pos_;
    switch (state_) {
      case state::value:
        return read_value();
      case state::value_or_close:
        if (pos_ < input_.size() && input_[pos_] == ']') {
          return close();
        }
        return read_value();
      case state::key_or_close:
        if (pos_ < input_.size() && input_[pos_] == '}') {
          return close();
        }
        return read_key();
      case state::key:
        return read_key();
      case state::after_value: {
        if (depth_ == 0) {
          return finish();
        }
        const bool object = in_object();
        if (pos_ < input_.size()) {
          const char c = input_[pos_];
          if (c == ',') {
            ++pos_;
            state_ = object ? state::key : state::value;
            continue;
          }
          if (c == (object ? '}' : ']')) {
            return close();
          }
        }
        return fail(object ? "expected ',' or '}' after an object member"
                           : "expected ',' or ']' after an array element");
      }
      case state::done:
        return fault_ == json_fault::none ? json_token::end : json_token::error;
    }
  }
}

json_token json_scanner::read_value() noexcept {
  if (pos_ == input_.size()) {
    // At depth 0 nothing but white space came before.
    return fail(depth_ == 0 ? "the text is empty" : "the text ends where a value should be");
  }
  switch (input_[pos_]) {
    case '{':
      return open(true);
    case '[':
      return open(false);
    case '"':
      if (!string()) {
        return json_token::error;
      }
      state_ = state::after_value;
      return json_token::string;
    case 't':
      return literal("true", json_token::true_value);
    case 'f':
      return literal("false", json_token::false_value);
    case 'n':
      return literal("null", json_token::null_value);
    default:
      if (input_[pos_] == '-' || is_digit(input_[pos_])) {
        return number();
      }
      return fail("expected a value");
  }
}

json_token json_scanner::read_key() noexcept {
  if (pos_ == input_.size() || input_[pos_] != '"') {
    return fail("expected a member name in double quotes");
  }
  if (!string()) {
    return json_token::error;
  }
  const auto name = token_text_;
  skip_space();
  if (pos_ == input_.size() || input_[pos_] != ':') {
    return fail("expected ':' after a member name");
  }
  ++pos_;
  token_text_ = name;
  state_ = state::value;
  return json_token::key;
}

json_token json_scanner::open(bool object) noexcept {
  if (depth_ >= max_depth_) {
    fault_ = json_fault::too_deep;
    state_ = state::done;
    return json_token::error;
  }
  auto& word = objects_[static_cast<std::size_t>(depth_ / 64)];
  const auto bit = std::uint64_t{1} << (depth_ % 64);
  word = object ? (word | bit) : (word & ~bit);
  ++depth_;
  ++pos_;
  state_ = object ? state::key_or_close : state::value_or_close;
  return object ? json_token::begin_object : json_token::begin_array;
}

json_token json_scanner::close() noexcept {
  const bool object = in_object();
  --depth_;
  ++pos_;
  state_ = state::after_value;
  return object ? json_token::end_object : json_token::end_array;
}

json_token json_scanner::finish() noexcept {
  if (pos_ != input_.size()) {
    return fail("unexpected data after the document");
  }
  state_ = state::done;
  return json_token::end;
}

json_token json_scanner::literal(std::string_view word, json_token token) noexcept {
  if (input_.substr(pos_, word.size()) != word) {
    return fail("expected a value");
  }
  token_text_ = input_.substr(pos_, word.size());
  pos_ += word.size();
  state_ = state::after_value;
  return token;
}

json_token json_scanner::number() noexcept {
  const auto start = pos_;
  auto digits = [this] {
    const auto from = pos_;
    while (pos_ < input_.size() && is_digit(input_[pos_])) {
      ++pos_;
    }
    return pos_ - from;
  };
  auto at = [this](char c) { return pos_ < input_.size() && input_[pos_] == c; };
  if (at('-')) {
    ++pos_;
  }
  if (at('0')) {
    ++pos_; // no leading zeros: a digit after this one is data after the value
  } else if (digits() == 0) {
    return fail("a number has no digits");
  }
  if (at('.')) {
    ++pos_;
    if (digits() == 0) {
      return fail("a number's fraction has no digits");
    }
  }
  if (at('e') || at('E')) {
    ++pos_;
    if (at('+') || at('-')) {
      ++pos_;
    }
    if (digits() == 0) {
      return fail("a number's exponent has no digits");
    }
  }
  token_text_ = input_.substr(start, pos_ - start);
  state_ = state::after_value;
  return json_token::number;
}

bool json_scanner::string() noexcept {
  const auto quote = pos_;
  const auto begin = ++pos_;
  for (;;) {
    pos_ = plain_end(pos_);
    if (pos_ == input_.size()) {
      fail("a string is not closed");
      token_start_ = quote;
      return false;
    }
    const char c = input_[pos_];
    if (c == '"') {
      token_text_ = input_.substr(begin, pos_ - begin);
      token_start_ = quote;
      ++pos_;
      return true;
    }
    if (c != '\\') {
      fail("a string holds a control character that is not escaped");
      return false;
    }
    if (pos_ + 1 == input_.size()) {
      fail("a string is not closed");
      token_start_ = quote;
      return false;
    }
    escaped_ = true;
    if (!escape()) {
      return false;
    }
  }
}

bool json_scanner::escape() noexcept {
  switch (input_[pos_ + 1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      pos_ += 2;
      return true;
    case 'u':
      break;
    default:
      fail("a string holds an escape JSON does not have");
      return false;
  }
  const int code = hex4(input_.substr(pos_ + 2));
  if (code < 0) {
    fail("a \\u escape needs four hex digits");
    return false;
  }
  pos_ += 6;
  if (!is_high_surrogate(code)) {
    return true;
  }
  // A high surrogate means nothing alone: the escape of a low one must follow.
  if (input_.substr(pos_, 2) != "\\u" || !is_low_surrogate(hex4(input_.substr(pos_ + 2)))) {
    fail("a \\u escape of a high surrogate is not followed by one of a low surrogate");
    return false;
  }
  pos_ += 6;
  return true;
}


std::size_t json_scanner::plain_end(std::size_t at) const noexcept {
  const auto size = input_.size();
  if constexpr (std::endian::native == std::endian::little) {
    // Eight bytes at a time: a byte's high bit is set in `stops` where it is '"', '\\' or below
    // 0x20. The usual has-zero-byte trick flags spurious bytes only above a real one, so the
    // lowest flag is exact.
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    while (size - at >= sizeof(std::uint64_t)) {
      std::uint64_t word = 0;
      std::memcpy(&word, input_.data() + at, sizeof word);
      const auto quotes = word ^ (ones * '"');
      const auto slashes = word ^ (ones * '\\');
      const auto stops = ((quotes - ones) & ~quotes) | ((slashes - ones) & ~slashes)
                         | ((word - ones * 0x20) & ~word);
      if (const auto found = stops & highs; found != 0) {
        return at + static_cast<std::size_t>(std::countr_zero(found) / 8);
      }
      at += sizeof word;
    }
  }
  while (at < size && !ends_plain(input_[at])) {
    ++at;
  }
  return at;
}

bool json_scanner::in_object() const noexcept {
  const int top = depth_ - 1;
  return (objects_[static_cast<std::size_t>(top / 64)] >> (top % 64) & 1U) != 0;
}

json_token json_scanner::fail(std::string_view what) noexcept {
  fault_ = json_fault::syntax;
  fault_text_ = what;
  token_start_ = pos_;
  token_text_ = {};
  state_ = state::done;
  return json_token::error;
}

void decode_json_string(std::string_view contents, std::string& out) {
  out.reserve(out.size() + contents.size());
  std::size_t at = 0;
  while (at < contents.size()) {
    const auto slash = contents.find('\\', at);
    if (slash == std::string_view::npos || slash + 1 == contents.size()) {
      out.append(contents.substr(at));
      return;
    }
    out.append(contents.substr(at, slash - at));
    const char kind = contents[slash + 1];
    at = slash + 2;
    switch (kind) {
      case 'b':
        out.push_back('\b');
        continue;
      case 'f':
        out.push_back('\f');
        continue;
      case 'n':
        out.push_back('\n');
        continue;
      case 'r':
        out.push_back('\r');
        continue;
      case 't':
        out.push_back('\t');
        continue;
      case 'u':
        break;
      default: // '"', '\\', '/'
        out.push_back(kind);
        continue;
    }
    const int code = hex4(contents.substr(at));
    if (code < 0) {
      out.append(contents.substr(slash, 2)); // not from json_scanner: kept as written
      continue;
    }
    at += 4;
    auto value = static_cast<std::uint32_t>(code);
    if (is_high_surrogate(code) && contents.substr(at, 2) == "\\u") {
      const int low = hex4(contents.substr(at + 2));
      if (is_low_surrogate(low)) {
        value = 0x10000 + ((value - 0xD800) << 10) + static_cast<std::uint32_t>(low - 0xDC00);
        at += 6;
      }
    }
    append_utf8(out, value);
  }
}

} // namespace janus
