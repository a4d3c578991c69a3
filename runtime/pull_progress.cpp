#include "runtime/pull_progress.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "model/bounded_json.hpp"
#include "runtime/docker_api.hpp"

namespace janus::docker {

namespace {

/// A progress line nests 2 levels (`errorDetail`, `progressDetail`).
constexpr int max_line_depth = 8;

/// The longest layer id kept (the engine's are 12 hex digits).
constexpr std::size_t max_layer_id = 128;

std::string string_of(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) {
    return {};
  }
  return std::string{it->value.GetString(), it->value.GetStringLength()};
}

std::string base64url(std::string_view bytes) {
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    auto n = (static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16)
             | (static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8)
             | static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 2]));
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (auto rest = bytes.size() - i; rest > 0) {
    auto n = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) {
      n |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    }
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

} // namespace

std::string pull_path(const image_ref& ref) {
  return "/images/create?fromImage=" + url_encode(ref.repository())
         + "&tag=" + url_encode(ref.pull_tag());
}

const registry_credentials* credentials_for(const image_ref& ref,
                                            const std::vector<registry_credentials>& known) {
  auto host = ref.registry_host();
  for (const auto& entry : known) {
    if (entry.server == host) {
      return &entry;
    }
  }
  return nullptr;
}

std::string registry_auth(const registry_credentials& credentials) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> out{buffer};
  auto put = [&out](const char* key, const std::string& value) {
    out.Key(key);
    out.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  out.StartObject();
  put("username", credentials.username);
  put("password", credentials.password);
  put("serveraddress", credentials.server);
  out.EndObject();
  return base64url({buffer.GetString(), buffer.GetSize()});
}

std::optional<pull_line> parse_pull_line(std::string_view line) {
  rapidjson::Document doc;
  if (!parse_bounded_json(doc, line, max_line_depth).ok() || !doc.IsObject()) {
    return std::nullopt;
  }
  pull_line out;
  out.status = clean_message(string_of(doc, "status"));
  out.id = clean_message(string_of(doc, "id"));
  auto error = string_of(doc, "error");
  if (error.empty()) {
    auto detail = doc.FindMember("errorDetail");
    if (detail != doc.MemberEnd() && detail->value.IsObject()) {
      error = string_of(detail->value, "message");
      if (error.empty()) {
        error = "the registry failed the pull without a message";
      }
    }
  }
  out.error = clean_message(error);
  return out;
}

void pull_progress::feed(std::string_view line) {
  ++lines_;
  auto parsed = parse_pull_line(line);
  if (!parsed) {
    ++malformed_;
    return;
  }
  auto& got = *parsed;
  if (!got.error.empty()) {
    if (error_.empty()) {
      error_ = got.error;
    }
    return;
  }
  constexpr std::string_view digest_prefix = "Digest: ";
  constexpr std::string_view status_prefix = "Status: ";
  if (got.status.starts_with(digest_prefix)) {
    digest_ = got.status.substr(digest_prefix.size());
    return;
  }
  if (got.status.starts_with(status_prefix)) {
    outcome_ = got.status.substr(status_prefix.size());
    return;
  }
  if (got.id.empty() || got.id.size() > max_layer_id || got.status.starts_with("Pulling from")) {
    return;
  }
  bool complete = got.status == "Pull complete" || got.status == "Already exists";
  bool layer = complete || got.status == "Pulling fs layer" || got.status == "Waiting";
  if (!layer) {
    return;
  }
  if (layers_.size() < max_pull_layers || layers_.contains(got.id)) {
    layers_.insert(got.id);
    if (complete) {
      done_.insert(got.id);
    }
  }
}

} // namespace janus::docker
