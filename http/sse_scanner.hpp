#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace janus::http {

/// Follows the frame boundaries of a text/event-stream as it is relayed, piece by piece, without
/// copying or changing it. The relay asks it when the first data frame completed (time to first
/// token), whether the stream carried an error frame or `data: [DONE]`, and whether it is cut in
/// the middle of a frame. A frame ends at an empty line ("\n\n", "\r\n\r\n" or mixed).
class sse_scanner {
public:
  /// Scans the next piece of the stream; returns the number of data frames it completed.
  std::size_t feed(std::string_view piece);

  /// Completed frames that had a `data:` field.
  std::size_t data_frames() const noexcept {
    return data_frames_;
  }

  /// True once a completed frame's data started with `{"error"`.
  bool saw_error() const noexcept {
    return saw_error_;
  }

  /// True once a completed frame's data was `[DONE]`.
  bool saw_done() const noexcept {
    return saw_done_;
  }

  /// True when the bytes so far end exactly at a frame boundary (or nothing came yet).
  bool at_frame_boundary() const noexcept {
    return frame_bytes_ == 0;
  }

private:
  void end_of_line();

  void end_of_frame();

  /// Bytes of the current frame seen so far (0 = between frames).
  std::size_t frame_bytes_ = 0;
  /// Bytes of the current line seen so far, not counting CR.
  std::size_t line_bytes_ = 0;
  /// The start of the current line, enough to recognise `data: [DONE]` and `data: {"error"`.
  char line_head_[16] = {};
  std::size_t head_size_ = 0;
  bool frame_has_data_ = false;
  bool frame_is_error_ = false;
  bool frame_is_done_ = false;
  std::size_t data_frames_ = 0;
  bool saw_error_ = false;
  bool saw_done_ = false;
};

/// The events that end a stream cut short, as janusd ends one: the frame in progress closed (per
/// `scanner`), an error frame with `error_json` as its data, `data: [DONE]`. Unframed (the caller
/// chunks them or not).
std::string error_end_of_stream(const sse_scanner& scanner, std::string_view error_json);

} // namespace janus::http
