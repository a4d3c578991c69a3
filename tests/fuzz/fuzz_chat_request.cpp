// The chat request check (model/openai.cpp) on any body: no crash, no recursion, what it
// accepts is safe to route on and to echo, and it decides as the rules read on RapidJSON's
// document of the same body (parse_bounded_json) decide.

#include <rapidjson/document.h>

#include <string>

#include "model/bounded_json.hpp"
#include "model/openai.hpp"
#include "model/utf8.hpp"
#include "tests/fuzz/property.hpp"

namespace {

constexpr int default_depth = 128;

/// Whether `body` is one JSON value whose strings are valid UTF-8 (RapidJSON's own check).
bool is_clean_json(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(body.data(),
                                                                                    body.size());
  return !doc.HasParseError();
}

/// What inspect_chat_request must decide, by its rules applied to RapidJSON's document.
struct expectation {
  /// False when RapidJSON can not say: it refuses a number too big for a double, which the
  /// check (reading numbers' syntax only) lets through.
  bool known = true;
  bool accepted = false;
  std::string model;
  bool stream = false;
};

expectation expected(std::string_view body) {
  rapidjson::Document doc;
  const auto outcome = janus::parse_bounded_json(doc, body, default_depth);
  if (outcome.what == std::string_view{"Number too big to be stored in double."}) {
    return {.known = false};
  }
  if (!outcome.ok() || !doc.IsObject()) {
    return {};
  }
  expectation out;
  int models = 0;
  int messages = 0;
  int streams = 0;
  bool fits = true;
  for (const auto& member : doc.GetObject()) {
    const std::string_view name{member.name.GetString(), member.name.GetStringLength()};
    const auto& value = member.value;
    if (name == "model") {
      ++models;
      if (value.IsString() && value.GetStringLength() > 0) {
        out.model.assign(value.GetString(), value.GetStringLength());
        fits = fits && janus::is_valid_utf8(out.model);
      } else {
        fits = false;
      }
    } else if (name == "messages") {
      ++messages;
      fits = fits && value.IsArray() && !value.Empty();
    } else if (name == "stream") {
      ++streams;
      fits = fits && (value.IsBool() || value.IsNull());
      out.stream = value.IsTrue();
    }
  }
  out.accepted = fits && models == 1 && messages == 1 && streams <= 1;
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const auto body = fuzz::text_of(data, size);
  const auto info = inspect_chat_request(body, default_depth);
  if (const auto expect = expected(body); expect.known) {
    fuzz::require(info.ok() == expect.accepted, "accepted exactly when the rules on RapidJSON's "
                                                "document accept");
    fuzz::require(!info.ok() || (info.value().model == expect.model
                                 && info.value().stream == expect.stream),
                  "the model and stream RapidJSON's document holds");
  }
  if (!info) {
    fuzz::require(info.error().code == errc::invalid_request, "a refusal is invalid_request");
    const auto error = openai_error_body(info.error().message, "invalid_request_error",
                                         error_param(info.error().message), "invalid_request");
    fuzz::require(is_clean_json(error), "the 400 body is valid JSON and UTF-8");
    return 0;
  }
  const auto& model = info.value().model;
  fuzz::require(!model.empty(), "an accepted request names a model");
  fuzz::require(is_valid_utf8(model), "an accepted model is valid UTF-8");
  // What the 404 of an unknown model echoes must stay valid JSON.
  const auto not_found = openai_error_body("the model `" + model + "` does not exist",
                                           "invalid_request_error", "", "model_not_found");
  fuzz::require(is_clean_json(not_found), "the 404 body is valid JSON and UTF-8");
  // A looser limit never changes what was accepted.
  const auto looser = inspect_chat_request(body, 2 * default_depth);
  fuzz::require(looser && looser.value().model == model
                  && looser.value().stream == info.value().stream,
                "a request within the limit reads the same under a looser one");
  // fallback.model replaces the model's value in place: the result reads the same but for it.
  const auto& accepted = info.value();
  fuzz::require(accepted.model_length >= 2 && accepted.model_offset + accepted.model_length <= body.size()
                  && body[accepted.model_offset] == '"'
                  && body[accepted.model_offset + accepted.model_length - 1] == '"',
                "the model's place is its JSON string in the body");
  const auto rewritten = inspect_chat_request(rewrite_model(body, accepted, "fuzz/direct"),
                                              default_depth);
  fuzz::require(rewritten && rewritten.value().model == "fuzz/direct"
                  && rewritten.value().stream == accepted.stream,
                "a rewritten model is the only change");
  return 0;
}
