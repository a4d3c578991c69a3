#include "apps/janus-bench/request_renderer.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>

namespace janus::bench {

namespace {

using rapidjson::Value;

Value string_value(const std::string& text, rapidjson::Document::AllocatorType& alloc) {
  Value value;
  value.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc);
  return value;
}

/// Merges `from` into `into`: objects key by key, recursively; anything else replaces.
void merge(Value& into, const Value& from, rapidjson::Document::AllocatorType& alloc) {
  if (!into.IsObject() || !from.IsObject()) {
    into.CopyFrom(from, alloc);
    return;
  }
  for (const auto& member : from.GetObject()) {
    auto found = into.FindMember(member.name);
    if (found != into.MemberEnd()) {
      merge(found->value, member.value, alloc);
    } else {
      Value name{member.name, alloc};
      Value value{member.value, alloc};
      into.AddMember(name, value, alloc);
    }
  }
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x))
                  == std::tolower(static_cast<unsigned char>(y));
         });
}

} // namespace

std::string render_body(const bench_options& options, const std::string& model) {
  rapidjson::Document doc;
  doc.SetObject();
  auto& alloc = doc.GetAllocator();
  doc.AddMember("model", string_value(model, alloc), alloc);
  Value message{rapidjson::kObjectType};
  message.AddMember("role", "user", alloc);
  message.AddMember("content", string_value(options.prompt, alloc), alloc);
  Value messages{rapidjson::kArrayType};
  messages.PushBack(message, alloc);
  doc.AddMember("messages", messages, alloc);
  doc.AddMember("stream", options.stream, alloc);
  if (options.stream && options.stream_usage) {
    Value stream_options{rapidjson::kObjectType};
    stream_options.AddMember("include_usage", true, alloc);
    doc.AddMember("stream_options", stream_options, alloc);
  }
  if (options.max_tokens) {
    doc.AddMember("max_tokens", *options.max_tokens, alloc);
    if (options.baseline_tokens) {
      Value baseline{rapidjson::kObjectType};
      baseline.AddMember("tokens", *options.max_tokens, alloc);
      doc.AddMember("janus_baseline", baseline, alloc);
    }
  }
  for (const auto& extra : options.body_extra) {
    rapidjson::Document patch;
    patch.Parse(extra.data(), extra.size());
    merge(doc, patch, alloc);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  doc.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string render_request(const bench_options& options, const std::string& model) {
  auto body = render_body(options, model);
  std::vector<header_field> fields{
    {"Host", options.target.host_header()},
    {"User-Agent", "janus-bench"},
    {"Accept", options.stream ? "text/event-stream" : "application/json"},
    {"Content-Type", "application/json"},
  };
  for (const auto& extra : options.headers) {
    auto same = std::find_if(fields.begin(), fields.begin() + 4, [&extra](const header_field& f) {
      return same_name(f.name, extra.name);
    });
    if (same != fields.begin() + 4) {
      same->value = extra.value;
    } else {
      fields.push_back(extra);
    }
  }
  std::string out = "POST " + options.target.path + " HTTP/1.1\r\n";
  for (const auto& field : fields) {
    out += field.name;
    out += ": ";
    out += field.value;
    out += "\r\n";
  }
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

std::vector<std::string> render_requests(const bench_options& options) {
  std::vector<std::string> out;
  out.reserve(options.models.size());
  for (const auto& model : options.models) {
    out.push_back(render_request(options, model.name));
  }
  return out;
}

} // namespace janus::bench
