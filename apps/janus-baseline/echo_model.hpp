#pragma once

#include "apps/janus-baseline/api_error.hpp"
#include "apps/janus-baseline/baseline_options.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// The deterministic echo model of janus-baseline: pure functions from a request body to the
/// answer, with no I/O and no clock (the caller passes the time), so every answer is
/// reproducible and unit-testable.
namespace janus::baseline {

/// The largest request body the baseline accepts; larger ones get a 413.
inline constexpr std::size_t max_body_bytes = 1024 * 1024;

/// Per-request test overrides, from the body's extra `janus_baseline` object.
struct request_overrides {
  std::optional<std::uint32_t> tokens;
  std::optional<std::uint32_t> token_delay_ms;
  /// A model's time to first token (prefill): the wait before the first frame of a stream (and
  /// before a whole answer), on top of the token delays.
  std::optional<std::uint32_t> first_token_delay_ms;
  /// Simulates a crash: a stream is cut (no finish frame, no [DONE], no last chunk) once
  /// this many content tokens were sent, so a value above `tokens` never fires; a non-stream
  /// request is closed without an answer after that many token delays.
  std::optional<std::uint32_t> abort_after_tokens;
  /// Simulates a model that fails while generating: a stream sends an error frame
  /// (`data: {"error":{...}}`) and `data: [DONE]` once this many content tokens were sent, and
  /// ends normally; a value above `tokens` never fires. Ignored by a non-stream request.
  std::optional<std::uint32_t> error_after_tokens;
  /// Answer this HTTP status (400..599) with an OpenAI error body instead of a completion.
  std::optional<std::uint32_t> status;
};

/// A valid chat-completions request, reduced to what the echo model needs.
struct chat_request {
  /// "chatcmpl-" + the FNV-1a 64 hash of the raw body, as 16 lowercase hex digits.
  std::string id;
  /// The request's `model`, if it sent one.
  std::optional<std::string> model;
  /// The words of the last user message; never empty (the single word "echo" if it had none).
  std::vector<std::string> words;
  /// Whitespace-separated words over the text content of all messages.
  std::uint64_t prompt_tokens = 0;
  bool stream = false;
  /// `stream_options.include_usage`.
  bool include_usage = false;
  request_overrides overrides;
};

/// What to answer to one request: the request with the options and overrides applied.
struct answer_plan {
  std::string id;
  std::string model;
  std::int64_t created = 0;
  /// The answer cycles through these words; never empty.
  std::vector<std::string> words;
  /// The answer length in tokens (completion_tokens).
  std::uint32_t tokens = 0;
  std::uint32_t token_delay_ms = 0;
  std::uint32_t first_token_delay_ms = 0;
  std::optional<std::uint32_t> abort_after_tokens;
  std::optional<std::uint32_t> error_after_tokens;
  /// When set, the answer is render_error(simulated_error(*status)), not a completion.
  std::optional<std::uint32_t> status;
  std::uint64_t prompt_tokens = 0;
  bool stream = false;
  bool include_usage = false;
  /// The `object` of stream chunks: "chat.completion.chunk", unless a contract break says else.
  std::string chunk_object = "chat.completion.chunk";
  /// Whether a stream ends with `data: [DONE]` (contract break no_done: not).
  bool send_done = true;
  /// Whether a whole answer carries `usage` (contract break chat_no_usage: not).
  bool send_usage = true;
};

/// The deterministic completion id of a request body: "chatcmpl-" + 16 lowercase hex digits
/// of the FNV-1a 64-bit hash of the raw bytes.
std::string completion_id(std::string_view body);

/// The whitespace-separated words of `text` (ASCII whitespace).
std::vector<std::string> split_words(std::string_view text);

/// Validates a chat-completions body and extracts what the echo model needs; a 400 api_error
/// naming the field at fault otherwise. Unknown fields are ignored.
std::variant<chat_request, api_error> parse_chat_request(std::string_view body);

/// Applies the process options and the request's overrides: the model is the configured one,
/// else the request's, else "janus-baseline"; `created` is the configured time, else `now`. The
/// options' contract breaks shape the answer (chunk object, [DONE], usage).
answer_plan plan_answer(chat_request request, const baseline_options& options,
                        std::int64_t now);

/// Token `index` of the answer: the words cycled, each followed by one space except the last.
std::string answer_token(const answer_plan& plan, std::size_t index);

/// The whole answer text: all tokens concatenated.
std::string answer_content(const answer_plan& plan);

/// The compact non-stream answer (`"object":"chat.completion"`) in the OpenAI key order.
std::string render_completion(const answer_plan& plan);

/// The body of GET /v1/models: one model, the configured one or "janus-baseline" (with the
/// contract break models_not_list: an object that is not OpenAI's list).
std::string render_models(const baseline_options& options, std::int64_t created);

/// The body of GET /health: {"status":"ok"} or {"status":"unhealthy"}.
std::string render_health(bool healthy);

/// Reads the body of POST /_baseline/health, {"healthy": bool}; a 400 api_error otherwise.
std::variant<bool, api_error> parse_health_toggle(std::string_view body);

} // namespace janus::baseline
