// json_scanner (model/json_scanner.cpp), the reader of every chat body, on any text: it ends, and
// on UTF-8 text it agrees with RapidJSON (parse_bounded_json, model/bounded_json.cpp) on what is
// JSON, on what nests too deep, and on every token, strings decoded.

#include <rapidjson/document.h>

#include <string>
#include <utility>
#include <vector>

#include "model/bounded_json.hpp"
#include "model/json_scanner.hpp"
#include "model/utf8.hpp"
#include "tests/fuzz/property.hpp"

namespace {

using janus::json_token;

/// A token as both readers see it: its kind and, for keys and strings, the decoded value.
using token = std::pair<json_token, std::string>;

/// The scanner's tokens up to end or error.
std::vector<token> scanned(std::string_view text, int max_depth, janus::json_scanner& json) {
  std::vector<token> out;
  for (;;) {
    const auto kind = json.next();
    janus::fuzz::require(out.size() <= text.size(), "every token but the last takes a byte");
    std::string value;
    if (kind == json_token::key || kind == json_token::string) {
      janus::fuzz::require(json.offset() < text.size() && text[json.offset()] == '"'
                             && text.substr(json.offset() + 1, json.text().size()) == json.text(),
                           "a string's text is what stands between its quotes");
      janus::decode_json_string(json.text(), value);
      janus::fuzz::require(json.escaped() || value == json.text(),
                           "a string without escapes is its own value");
    }
    janus::fuzz::require(json.depth() >= 0 && json.depth() <= max_depth,
                         "the depth stays within the limit");
    if (kind == json_token::end || kind == json_token::error) {
      return out;
    }
    out.emplace_back(kind, std::move(value));
  }
}

/// RapidJSON's document as the same tokens, walked without recursion.
std::vector<token> flattened(const rapidjson::Value& root) {
  std::vector<token> out;
  struct frame {
    const rapidjson::Value* value;
    rapidjson::SizeType next;
  };
  auto string_of = [](const rapidjson::Value& v) {
    return std::string{v.GetString(), v.GetStringLength()};
  };
  auto leaf = [&](const rapidjson::Value& v) {
    if (v.IsString()) {
      out.emplace_back(json_token::string, string_of(v));
    } else if (v.IsNumber()) {
      out.emplace_back(json_token::number, "");
    } else if (v.IsTrue()) {
      out.emplace_back(json_token::true_value, "");
    } else if (v.IsFalse()) {
      out.emplace_back(json_token::false_value, "");
    } else {
      out.emplace_back(json_token::null_value, "");
    }
  };
  std::vector<frame> stack;
  auto enter = [&](const rapidjson::Value& v) {
    if (v.IsObject()) {
      out.emplace_back(json_token::begin_object, "");
      stack.push_back({&v, 0});
    } else if (v.IsArray()) {
      out.emplace_back(json_token::begin_array, "");
      stack.push_back({&v, 0});
    } else {
      leaf(v);
    }
  };
  enter(root);
  while (!stack.empty()) {
    auto& top = stack.back();
    const auto& v = *top.value;
    if (v.IsObject()) {
      if (top.next == v.MemberCount()) {
        out.emplace_back(json_token::end_object, "");
        stack.pop_back();
        continue;
      }
      const auto& member = *(v.MemberBegin() + top.next++);
      out.emplace_back(json_token::key, string_of(member.name));
      enter(member.value);
    } else {
      if (top.next == v.Size()) {
        out.emplace_back(json_token::end_array, "");
        stack.pop_back();
        continue;
      }
      enter(v[top.next++]);
    }
  }
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const auto text = fuzz::text_of(data, size);
  const int max_depth = 1 + (text.empty() ? 0 : static_cast<unsigned char>(text.back()) % 24);
  json_scanner json{text, max_depth};
  const auto tokens = scanned(text, max_depth, json);
  if (!is_valid_utf8(text)) {
    return 0; // the scanner leaves UTF-8 to its caller; RapidJSON refuses such text
  }
  rapidjson::Document doc;
  const auto outcome = parse_bounded_json(doc, text, max_depth);
  if (outcome.what == std::string_view{"Number too big to be stored in double."}) {
    return 0; // RapidJSON reads numbers' values; the scanner reads their syntax only
  }
  fuzz::require(outcome.ok() == (json.fault() == json_fault::none),
                "the scanner and RapidJSON agree on what is JSON");
  if (!outcome.ok()) {
    fuzz::require((outcome.refusal == json_refusal::too_deep)
                    == (json.fault() == json_fault::too_deep),
                  "the scanner and RapidJSON agree on what nests too deep");
    return 0;
  }
  fuzz::require(tokens == flattened(doc), "the scanner and RapidJSON read the same tokens");
  return 0;
}
