#pragma once

#include <string>
#include <string_view>

#include "model/result.hpp"

namespace janus {

/// What the engine needs to know of a chat-completions request; the body itself is forwarded
/// to the container unchanged.
struct chat_request_info {
  std::string model;
  bool stream = false;
  /// Where the `model` value's JSON string (quotes included) is in the body, so that it can be
  /// replaced without writing the body anew (fallback.model).
  std::size_t model_offset = 0;
  std::size_t model_length = 0;
};

/// Checks a chat-completions body just enough to route it: a JSON object with a `model` string,
/// a non-empty `messages` array and, if present, a boolean (or null) `stream`, each given once
/// at the top level. Checks the whole body's UTF-8, then reads it once with json_scanner (the
/// grammar whole, nothing built, nothing recursing on nesting, long strings 8 bytes at a time),
/// refusing objects and arrays nested deeper than `max_depth` (`server.max_json_depth`; the
/// body's own object is depth 1) and a `model` whose escapes decode to something that is not
/// UTF-8, so the model is safe to echo. Fails with errc::invalid_request and a message naming
/// the field; `param` receives that field's name (empty for a syntax, encoding or depth error).
result<chat_request_info> inspect_chat_request(std::string_view body, int max_depth);

/// The chat body with its top-level `model` value (the JSON string at [info.model_offset,
/// + model_length), as inspect_chat_request found it) replaced by `name`, which must need no
/// escaping; the rest unchanged, byte for byte (fallback.model).
std::string rewrite_model(std::string_view body, const chat_request_info& info,
                          std::string_view name);

/// The field an invalid_request error refers to, recovered from its message (for the `param`
/// member of the OpenAI error body); empty when none.
std::string_view error_param(std::string_view message);

/// Renders `{"error":{"message":…,"type":…,"param":…,"code":…}}`; empty `param` and `code`
/// become JSON null.
std::string openai_error_body(std::string_view message, std::string_view type,
                              std::string_view param, std::string_view code);

} // namespace janus
