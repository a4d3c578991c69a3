#pragma once

#include "apps/janus-bench/sse_reader.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace janus::bench {

/// Watches one response body as it arrives and tells what a benchmark needs from it: when the
/// first event came, how many tokens were received, and whether the answer went wrong.
///
/// An event stream (`text/event-stream`) counts one token per choice whose `delta.content` is
/// a non-empty string; it fails on an `{"error": ...}` frame, a frame that is not JSON, a body
/// cut short, or a body that ends without `data: [DONE]`. Any other body is kept (up to
/// 4 MiB) and read as a whole chat completion at the end: tokens are
/// `usage.completion_tokens` when present; it fails when a 2xx body is not JSON or carries an
/// `error` object (the caller decides by status whether that matters).
class response_meter {
public:
  /// `event_stream`: the answer's Content-Type is text/event-stream.
  explicit response_meter(bool event_stream);

  /// Reads the next piece of the body (transfer framing removed), which arrived at `at_us`.
  void on_body(std::string_view piece, std::int64_t at_us);

  /// The body ended; `complete` says HTTP framing ended it (false: the connection dropped).
  void finish(bool complete);

  /// When the first data event completed; -1 before (and always for a whole answer).
  std::int64_t first_event_us() const {
    return first_event_us_;
  }

  /// Tokens counted so far (a whole answer: after finish()).
  std::uint32_t tokens() const {
    return tokens_;
  }

  /// Data events seen (a stream only).
  std::uint32_t events() const {
    return events_;
  }

  /// True when the answer went wrong; failure() says how.
  bool failed() const {
    return !failure_.empty();
  }

  const std::string& failure() const {
    return failure_;
  }

  bool event_stream() const {
    return event_stream_;
  }

private:
  void on_event(std::string_view data);

  void fail(std::string why);

  bool event_stream_;
  sse_reader reader_;
  std::string body_;
  bool body_truncated_ = false;
  std::int64_t first_event_us_ = -1;
  std::uint32_t tokens_ = 0;
  std::uint32_t events_ = 0;
  bool done_ = false;
  std::string failure_;
};

} // namespace janus::bench
