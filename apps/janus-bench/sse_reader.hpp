#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace janus::bench {

/// Splits a text/event-stream into events as its bytes arrive, piece by piece: lines end at
/// LF, CRLF or CR; an empty line ends an event; `data:` lines (one optional space after the
/// colon) are joined with "\n"; comments and other fields are skipped. Only events with at
/// least one data line are reported. An event (its pending line and data) holds at most
/// `max_event_bytes`: past that the reader stops, reports nothing more, and overflowed() says so.
class sse_reader {
public:
  static constexpr std::size_t default_max_event_bytes = 4 * 1024 * 1024;

  explicit sse_reader(std::size_t max_event_bytes = default_max_event_bytes)
    : max_event_bytes_(max_event_bytes) {
    // nop
  }

  /// Reads the next piece; returns how many events it completed, which events() then holds
  /// (until the next feed()).
  std::size_t feed(std::string_view piece);

  /// The data of the events completed by the last feed(), in order.
  const std::vector<std::string>& events() const {
    return events_;
  }

  /// True when bytes of an unfinished event are pending: a stream that ends here was cut.
  bool mid_event() const {
    return !line_.empty() || has_data_ || saw_field_;
  }

  /// True once an event grew past max_event_bytes (the stream is not read any further).
  bool overflowed() const {
    return overflowed_;
  }

private:
  void end_of_line();

  std::size_t max_event_bytes_;
  bool overflowed_ = false;
  std::string line_;
  std::string data_;
  bool has_data_ = false;
  /// A non-data line (comment or other field) of the current event was seen.
  bool saw_field_ = false;
  /// The last byte was CR: a following LF belongs to the same line end.
  bool after_cr_ = false;
  std::vector<std::string> events_;
};

} // namespace janus::bench
