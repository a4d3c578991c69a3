#pragma once

#include "apps/janus-baseline/echo_model.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace janus::baseline {

/// Renders the SSE frames (`data: <compact json>\n\n`) of one streamed answer. The parts that
/// every frame shares and the escaped words are rendered once at construction, so a token
/// frame costs three appends into a reused buffer and no allocation once warmed up.
///
/// Every returned view points into the renderer and stays valid until the next call.
class chunk_renderer {
public:
  /// Prepares the frames of `plan`; the renderer keeps no reference to it.
  explicit chunk_renderer(const answer_plan& plan);

  /// The first frame: `"delta":{"role":"assistant","content":""}`.
  std::string_view role_frame();

  /// The frame of content token `index` (see answer_token).
  std::string_view token_frame(std::size_t index);

  /// The frame after the last token: `"delta":{}` and `"finish_reason":"stop"`.
  std::string_view finish_frame();

  /// The frame with `"choices":[]` and the usage; only sent when include_usage is set.
  std::string_view usage_frame();

  /// The final `data: [DONE]\n\n`.
  static std::string_view done_frame();

private:
  std::string_view frame(std::string_view delta, std::string_view quoted_content,
                         std::string_view tail);

  /// `data: {"id":..,"object":..,"created":..,"model":..,` shared by every frame.
  std::string head_;
  /// `,"usage":null}\n\n` with include_usage, `}\n\n` without.
  std::string end_;
  std::string usage_;
  /// Per word: the JSON string of the word followed by a space, and of the bare word.
  std::vector<std::string> spaced_words_;
  std::vector<std::string> bare_words_;
  std::uint32_t tokens_;
  std::string buffer_;
};

} // namespace janus::baseline
