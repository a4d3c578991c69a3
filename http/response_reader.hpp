#pragma once

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace janus::http {

/// Why an upstream's answer could not be read (error codes of answer_category()). Their
/// messages complete "container X failed before answering: ..." and "... failed mid-answer: ...".
enum class answer_error {
  closed_before_answer = 1,
  ended_early,
  bad_status_line,
  bad_version,
  bare_line_feed,
  bad_field,
  folded_field,
  head_too_large,
  bad_content_length,
  bad_transfer_encoding,
  length_and_chunked,
  switching_protocols,
  bad_chunk,
  chunk_line_too_long,
  trailer_too_large,
};

const boost::system::error_category& answer_category() noexcept;

boost::system::error_code make_error_code(answer_error error) noexcept;

/// Reads an HTTP/1.0 or 1.1 answer as it arrives: its head (interim 1xx answers before it
/// skipped), then its body by its framing (Content-Length, chunked, or to the connection's end),
/// without a field container: it keeps the status, the framing, whether the connection may be
/// kept, and the two fields the relay passes on (Content-Type, Cache-Control).
///
/// Strict where a proxy must be, since the answer comes from a stranger's container: lines end
/// with CRLF; a field name is a token followed at once by `:`; no folded field, no control
/// character in a value; one Content-Length of digits only; Transfer-Encoding only `chunked`,
/// only in HTTP/1.1 and never with a Content-Length; no 101. What it refuses is an error, never a
/// guess about where the body ends. Bounded: the head, interim answers included, by `head_limit`
/// (each byte looked at once, however the head arrives); a chunk's size line by
/// max_chunk_line_bytes; the trailer by max_trailer_bytes. No recursion; no allocation but the
/// one string of the two kept field values.
class response_reader {
public:
  /// A container's head may be as large as Beast's default (and janus-baseline's heads are a
  /// few hundred bytes).
  static constexpr std::size_t default_head_limit = 8 * 1024;
  static constexpr std::size_t max_chunk_line_bytes = 4 * 1024;
  static constexpr std::size_t max_trailer_bytes = 8 * 1024;

  /// How the body ends.
  enum class framing : std::uint8_t {
    none,        ///< no body (1xx, 204, 304)
    length,      ///< Content-Length bytes
    chunked,     ///< the chunked coding's last chunk and trailer
    until_close, ///< the connection's end (the connection is not kept)
  };

  explicit response_reader(std::size_t head_limit = default_head_limit) : head_limit_(head_limit) {
  }

  /// What one call took from its input and, for the body, put out.
  struct step {
    std::size_t taken = 0;
    std::size_t produced = 0;
    boost::system::error_code error;
  };

  /// Reads the head from `received`: every byte received since the reader began (or since its
  /// last reset), and not taken yet. While the head is incomplete nothing is taken; call again
  /// with `received` grown by what came next. Once head_done(), `taken` is the head's length
  /// (with any interim answers before it); what follows it is the body's.
  step read_head(std::string_view received);

  /// Decodes the body from `input` (bytes after the head, in order) into `output`: the bytes
  /// taken from the input, the body's bytes put out. Takes all of `input` unless `output` fills
  /// or the body ends; nothing after the body's end is taken. Only after head_done().
  step read_body(std::string_view input, std::span<char> output);

  /// The connection ended (no more input): completes a body that ends with it, and otherwise
  /// says what was cut short.
  boost::system::error_code end_of_input();

  bool head_done() const noexcept {
    return head_done_;
  }
  /// The body is complete (for `none` framing as soon as the head is done).
  bool done() const noexcept {
    return done_;
  }
  unsigned status() const noexcept {
    return status_;
  }
  /// 10 or 11.
  unsigned version() const noexcept {
    return version_;
  }
  framing body_framing() const noexcept {
    return framing_;
  }
  /// The Content-Length of a body framed by it.
  std::optional<std::uint64_t> content_length() const noexcept {
    if (framing_ != framing::length) {
      return std::nullopt;
    }
    return length_;
  }
  /// Whether the connection may carry another request after this answer.
  bool keep_alive() const noexcept;
  /// The first Content-Type and Cache-Control values, trimmed; empty when absent.
  std::string_view content_type() const noexcept {
    return std::string_view{kept_}.substr(0, type_size_);
  }
  std::string_view cache_control() const noexcept {
    return std::string_view{kept_}.substr(type_size_);
  }

  /// Starts over for a new answer (the kept values' storage is reused).
  void reset(std::size_t head_limit);

private:
  /// Parses the complete head `head` (its last CRLF CRLF included).
  boost::system::error_code parse_head(std::string_view head);
  boost::system::error_code parse_field(std::string_view line);
  boost::system::error_code choose_framing();

  /// The chunked coding's framing bytes between two pieces of data.
  boost::system::error_code chunk_byte(char c);

  enum class chunk_state : std::uint8_t {
    size,
    size_space,
    extension,
    size_lf,
    data,
    data_cr,
    data_lf,
    trailer_start,
    trailer_line,
    trailer_lf,
    final_lf,
  };

  std::size_t head_limit_;
  /// Where the search for the head's end goes on: the bytes before it were looked at.
  std::size_t searched_ = 0;
  /// Where the current head begins (after interim answers).
  std::size_t head_start_ = 0;
  bool received_any_ = false;
  bool head_done_ = false;
  bool done_ = false;
  unsigned status_ = 0;
  unsigned version_ = 11;
  framing framing_ = framing::until_close;
  bool close_ = false;
  bool keep_alive_token_ = false;
  bool has_length_ = false;
  bool has_transfer_encoding_ = false;
  std::uint64_t length_ = 0;
  /// Content-Type's value, then Cache-Control's.
  std::string kept_;
  std::size_t type_size_ = 0;
  // -- the body ----------------------------------------------------------------------------
  /// Bytes of the body (length framing) or of the current chunk (chunked) still to come.
  std::uint64_t remaining_ = 0;
  chunk_state chunk_ = chunk_state::size;
  /// Whether the current chunk's size line had a digit yet.
  bool size_has_digit_ = false;
  std::size_t line_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
};

} // namespace janus::http

template <>
struct boost::system::is_error_code_enum<janus::http::answer_error> : std::true_type {};
