#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace janus {

/// One piece of a JSON text, as json_scanner reads it.
enum class json_token : std::uint8_t {
  begin_object,
  end_object,
  begin_array,
  end_array,
  /// An object member's name (its ':' is read too).
  key,
  string,
  number,
  true_value,
  false_value,
  null_value,
  /// The value is over and only white space follows it; next() stays here.
  end,
  /// The text is not JSON, or nests too deep (fault() says which); next() stays here.
  error,
};

/// Why a json_scanner stopped with json_token::error.
enum class json_fault : std::uint8_t {
  none,
  /// Not one JSON value (RFC 8259) followed by white space only; fault_text() says what is wrong.
  syntax,
  /// An object or array would open past the scanner's depth limit.
  too_deep,
};

/// Reads a JSON text (RFC 8259) one token at a time, checking its grammar as it goes, without
/// building anything, allocating, recursing or decoding: a string's contents are handed out as
/// they stand in the text, between their quotes (decode_json_string decodes them when needed).
/// Every byte is looked at once; the inside of a string is scanned 8 bytes at a time, so a long
/// message costs well under a nanosecond a byte. Objects and arrays may nest `max_depth` deep
/// (at most max_nesting), the outermost being depth 1.
///
/// What it checks: the grammar, whole (one value, then white space only); that a string holds
/// no unescaped control character and only the escapes JSON has; that a `\u` escape of a high
/// surrogate is followed by one of a low surrogate. What it leaves to its caller: the bytes of a
/// string, which it does not check for UTF-8 (check the text first), and numbers' magnitude (a
/// number is read for its syntax only, so `1e400` is accepted).
class json_scanner {
public:
  /// The deepest nesting a scanner can follow (server.max_json_depth's own bound).
  static constexpr int max_nesting = 256;

  /// `text` must outlive the scanner; `max_depth` is clamped to [1, max_nesting].
  json_scanner(std::string_view text, int max_depth) noexcept;

  /// The next token.
  json_token next() noexcept;

  /// The last token's text: a key's or string's contents (between the quotes, escapes as
  /// written), a number's or literal's characters; empty for the rest.
  std::string_view text() const noexcept {
    return token_text_;
  }

  /// Where the last token starts (a string's or key's opening quote); for json_token::error,
  /// where the fault is.
  std::size_t offset() const noexcept {
    return token_start_;
  }

  /// Whether the last key or string holds an escape (its text() is not its value).
  bool escaped() const noexcept {
    return escaped_;
  }

  /// The objects and arrays open after the last token (1 inside the outermost one).
  int depth() const noexcept {
    return depth_;
  }

  json_fault fault() const noexcept {
    return fault_;
  }

  /// What is wrong with the text, in words, for json_fault::syntax; empty otherwise.
  std::string_view fault_text() const noexcept {
    return fault_text_;
  }

private:
  enum class state : std::uint8_t { value, value_or_close, key, key_or_close, after_value, done };

  json_token read_value() noexcept;
  json_token read_key() noexcept;
  json_token open(bool object) noexcept;
  json_token close() noexcept;
  json_token finish() noexcept;
  json_token literal(std::string_view word, json_token token) noexcept;
  json_token number() noexcept;
  /// Reads the string whose opening quote is at pos_; false (the fault set) when it is broken.
  bool string() noexcept;
  /// Reads the escape whose backslash is at pos_ (a byte follows it).
  bool escape() noexcept;
  /// Inline: most tokens have no white space before them, and a call per token costs more than
  /// the look.
  void skip_space() noexcept {
    while (pos_ < input_.size()
           && (input_[pos_] == ' ' || input_[pos_] == '\n' || input_[pos_] == '\r'
               || input_[pos_] == '\t')) {
      ++pos_;
    }
  }
  /// The first byte at or after `at` that ends a string's plain run ('"', '\\' or a control
  /// character), or the text's size.
  std::size_t plain_end(std::size_t at) const noexcept;
  bool in_object() const noexcept;
  json_token fail(std::string_view what) noexcept;

  std::string_view input_;
  std::size_t pos_ = 0;
  int max_depth_;
  int depth_ = 0;
  state state_ = state::value;
  json_fault fault_ = json_fault::none;
  bool escaped_ = false;
  std::string_view token_text_;
  std::size_t token_start_ = 0;
  std::string_view fault_text_;
  /// One bit per open container, set for an object.
  std::array<std::uint64_t, max_nesting / 64> objects_{};
};

/// Appends to `out` the value of a string's contents as json_scanner::text() gave them: escapes
/// decoded, a surrogate pair as its code point in UTF-8. A lone low surrogate escape becomes its
/// three bytes, which are not valid UTF-8 (check the result where that matters).
void decode_json_string(std::string_view contents, std::string& out);

} // namespace janus
