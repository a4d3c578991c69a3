#pragma once

#include "apps/janus-bench/outcome.hpp"
#include "apps/janus-bench/sse_reader.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace janus::bench {

/// Watches one response body as it arrives and tells what a benchmark needs from it: when the
/// first token came, the gaps between the tokens that followed, how many tokens there were,
/// and whether the answer went wrong.
///
/// An event stream (`text/event-stream`): a *content chunk* is a data event with at least one
/// choice whose `delta.content` is a non-empty string (a role-only or finish chunk is not one).
/// The first token is the first content chunk (as LLMPerf and GuideLLM time it); the
/// inter-token latencies are the gaps between successive content chunks. Output tokens are
/// `usage.completion_tokens` when a chunk carries usage (stream_options.include_usage), else
/// the content deltas counted (one per choice with content). The stream fails on an
/// `{"error": ...}` frame, a frame that is not JSON, an event over 4 MiB, a body cut short, or
/// a body that ends without `data: [DONE]`.
///
/// Any other body is kept (up to 4 MiB) and read as a whole chat completion at the end: output
/// and input tokens come from its usage; it fails when it is not JSON or carries an `error`
/// object (the caller decides by status whether that matters). Every JSON parse is iterative
/// and depth-bounded (parse_bounded_json).
class response_meter {
public:
  /// `event_stream`: the answer's Content-Type is text/event-stream.
  explicit response_meter(bool event_stream);

  /// Reads the next piece of the body (transfer framing removed), which arrived at `at_us`.
  void on_body(std::string_view piece, std::int64_t at_us);

  /// The body ended; `complete` says HTTP framing ended it (false: the connection dropped).
  void finish(bool complete);

  /// When the first content chunk completed; -1 before (and always for a whole answer).
  std::int64_t first_token_us() const {
    return first_token_us_;
  }

  /// The gaps between successive content chunks, in µs, in order.
  const std::vector<std::uint32_t>& itls() const {
    return itls_;
  }

  /// Hands the gaps over (the meter keeps none).
  std::vector<std::uint32_t> take_itls() {
    return std::move(itls_);
  }

  /// Output tokens so far (a whole answer: after finish()), from tokens_from().
  std::uint32_t output_tokens() const;

  token_source tokens_from() const;

  /// usage.prompt_tokens; 0 until an answer carried it.
  std::uint32_t input_tokens() const {
    return input_tokens_;
  }

  /// A stream's content chunks so far.
  std::uint32_t chunks() const {
    return chunks_;
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
  void on_event(std::string_view data, std::int64_t at_us);

  void fail(std::string why);

  bool event_stream_;
  sse_reader reader_;
  std::string body_;
  bool body_truncated_ = false;
  std::int64_t first_token_us_ = -1;
  std::int64_t last_token_us_ = -1;
  std::vector<std::uint32_t> itls_;
  std::uint32_t deltas_ = 0;
  std::uint32_t chunks_ = 0;
  std::uint32_t events_ = 0;
  bool has_usage_ = false;
  std::uint32_t usage_tokens_ = 0;
  std::uint32_t input_tokens_ = 0;
  bool done_ = false;
  std::string failure_;
};

} // namespace janus::bench
