#include "model/openai.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>

#include "model/json_scanner.hpp"
#include "model/utf8.hpp"

namespace janus {

namespace {

/// The routing members, by name; each validation message is about one and starts with
/// "`field` ".
enum class field { other, model, messages, stream };
constexpr std::string_view field_names[] = {"", "model", "messages", "stream"};

std::string_view name_of(field member) {
  return field_names[static_cast<int>(member)];
}

error_info invalid(std::string message) {
  return error_info{errc::invalid_request, std::move(message)};
}

/// The refusal of a body the scanner stopped in.
error_info not_json(const json_scanner& json, int max_depth) {
  if (json.fault() == json_fault::too_deep) {
    return invalid("the request body nests objects and arrays deeper than server.max_json_depth ("
                   + std::to_string(max_depth) + " levels)");
  }
  std::string message = "the request body is not valid JSON: ";
  message += json.fault_text();
  message += " (at byte " + std::to_string(json.offset()) + ")";
  return invalid(std::move(message));
}

/// Which routing member a top-level key names (escapes decoded: `"mod\u0065l"` is `model`, as
/// the container's parser will read it).
field field_of(const json_scanner& json, std::string& scratch) {
  std::string_view name = json.text();
  if (json.escaped()) {
    scratch.clear();
    decode_json_string(name, scratch);
    name = scratch;
  }
  for (auto member : {field::model, field::messages, field::stream}) {
    if (name == name_of(member)) {
      return member;
    }
  }
  return field::other;
}

} // namespace

result<chat_request_info> inspect_chat_request(std::string_view body, int max_depth) {
  // The whole body is checked for UTF-8 first (8 bytes at a time): outside strings JSON is
  // ASCII, so the scanner need not look at the bytes of strings at all.
  if (const auto bad = invalid_utf8_offset(body); bad != std::string_view::npos) {
    return invalid("the request body is not valid UTF-8 (at byte " + std::to_string(bad) + ")");
  }
  json_scanner json{body, max_depth};
  if (auto first = json.next(); first != json_token::begin_object) {
    if (first == json_token::error) {
      return not_json(json, max_depth);
    }
    return invalid("the request body must be a JSON object");
  }
  chat_request_info info;
  /// The routing members met at the top level so far, indexed by `field`.
  bool seen[4] = {};
  bool no_messages = false;
  std::string scratch;
  for (;;) {
    const auto token = json.next();
    if (token == json_token::error) {
      return not_json(json, max_depth);
    }
    if (token == json_token::end) {
      break;
    }
    if (token != json_token::key || json.depth() != 1) {
      continue; // only the top level's members are looked at
    }
    const auto member = field_of(json, scratch);
    if (member == field::other) {
      continue;
    }
    // janusd routes on the member it reads, the container may read another: the same key twice
    // is refused rather than guessed at.
    if (auto& met = seen[static_cast<int>(member)]; met) {
      return invalid("`" + std::string{name_of(member)} + "` is given more than once");
    } else {
      met = true;
    }
    const auto value = json.next();
    if (value == json_token::error) {
      return not_json(json, max_depth);
    }
    switch (member) {
      case field::model: {
        if (value != json_token::string || json.text().empty()) {
          return invalid("`model` must be a non-empty string");
        }
        info.model_offset = json.offset();
        info.model_length = json.text().size() + 2;
        if (json.escaped()) {
          decode_json_string(json.text(), info.model);
          if (!is_valid_utf8(info.model)) {
            // The body's bytes are UTF-8, but a `\udc00` escape still decodes to a lone
            // surrogate; the name is echoed in errors and logs, so it must be clean text.
            return invalid("`model` must be valid UTF-8 (it holds an unpaired surrogate escape)");
          }
        } else {
          info.model.assign(json.text());
        }
        break;
      }
      case field::messages: {
        if (value != json_token::begin_array) {
          return invalid("`messages` must be an array");
        }
        const auto first = json.next();
        if (first == json_token::error) {
          return not_json(json, max_depth);
        }
        // Told once the whole body is read: a broken or too deep body is the first fault.
        no_messages = first == json_token::end_array;
        break; // the first message's token is read: the loop goes on from inside it
      }
      case field::stream:
        if (value != json_token::true_value && value != json_token::false_value
            && value != json_token::null_value) {
          return invalid("`stream` must be a boolean");
        }
        info.stream = value == json_token::true_value;
        break;
      case field::other:
        break;
    }
  }
  if (!seen[static_cast<int>(field::model)]) {
    return invalid("`model` is required and must be a string");
  }
  if (!seen[static_cast<int>(field::messages)]) {
    return invalid("`messages` is required and must be a non-empty array");
  }
  if (no_messages) {
    return invalid("`messages` must contain at least one message");
  }
  return info;
}

std::string rewrite_model(std::string_view body, const chat_request_info& info,
                          std::string_view name) {
  std::string out;
  out.reserve(body.size() + name.size() + 2);
  out.append(body.substr(0, info.model_offset)).append("\"").append(name).append("\"");
  out.append(body.substr(info.model_offset + info.model_length));
  return out;
}

std::string_view error_param(std::string_view message) {
  if (message.size() < 3 || message.front() != '`') {
    return {};
  }
  auto end = message.find('`', 1);
  if (end == std::string_view::npos) {
    return {};
  }
  return message.substr(1, end - 1);
}

std::string openai_error_body(std::string_view message, std::string_view type,
                              std::string_view param, std::string_view code) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  auto string_or_null = [&writer](std::string_view text) {
    if (text.empty()) {
      writer.Null();
    } else {
      writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }
  };
  writer.StartObject();
  writer.Key("error");
  writer.StartObject();
  writer.Key("message");
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  writer.Key("type");
  writer.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
  writer.Key("param");
  string_or_null(param);
  writer.Key("code");
  string_or_null(code);
  writer.EndObject();
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

} // namespace janus
