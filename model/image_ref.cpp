#include "model/image_ref.hpp"

#include <algorithm>

namespace janus {

namespace {

/// Registry and path together, as Docker's reference package bounds a name.
constexpr std::size_t max_name = 255;
constexpr std::size_t max_tag = 128;
constexpr std::size_t digest_hex = 64;
constexpr std::string_view digest_prefix = "sha256:";

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

error_info refused(std::string why) {
  return error_info{errc::invalid_request, "not a valid image reference: " + std::move(why)};
}

/// `[a-z0-9]+` joined by '.', '_', "__" or runs of '-'.
bool is_path_component(std::string_view part) {
  if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) {
    return false;
  }
  for (std::size_t i = 0; i < part.size();) {
    if (is_lower_alnum(part[i])) {
      ++i;
      continue;
    }
    // A separator: '.', '_', "__", or '-'+; the characters on both sides are alphanumeric.
    auto start = i;
    if (part[i] == '-') {
      while (i < part.size() && part[i] == '-') {
        ++i;
      }
    } else if (part[i] == '.') {
      ++i;
    } else if (part[i] == '_') {
      ++i;
      if (i < part.size() && part[i] == '_') {
        ++i;
      }
    } else {
      return false;
    }
    if (i >= part.size() || !is_lower_alnum(part[i]) || start == 0) {
      return false;
    }
  }
  return true;
}

/// A host name label: letters, digits and inner '-'.
bool is_host_label(std::string_view label) {
  if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) {
    return false;
  }
  return std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

/// `label(.label)*[:port]`.
bool is_registry(std::string_view text) {
  auto colon = text.find(':');
  auto host = text.substr(0, colon);
  if (colon != std::string_view::npos) {
    auto port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5
        || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
  }
  if (host.empty()) {
    return false;
  }
  while (true) {
    auto dot = host.find('.');
    if (!is_host_label(host.substr(0, dot))) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    host.remove_prefix(dot + 1);
  }
}

bool is_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > max_tag) {
    return false;
  }
  if (!is_alnum(tag.front()) && tag.front() != '_') {
    return false;
  }
  return std::all_of(tag.begin(), tag.end(),
                     [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

} // namespace

std::string image_ref::repository() const {
  return registry.empty() ? path : registry + "/" + path;
}

std::string image_ref::registry_host() const {
  return registry.empty() ? std::string{"docker.io"} : registry;
}

std::string image_ref::pull_tag() const {
  if (!digest.empty()) {
    return digest;
  }
  return tag.empty() ? std::string{"latest"} : tag;
}

result<image_ref> parse_image_ref(std::string_view text) {
  if (text.empty()) {
    return refused("it is empty");
  }
  if (text.size() > max_image_ref) {
    return refused("longer than " + std::to_string(max_image_ref) + " bytes");
  }
  image_ref out;
  if (auto at = text.find('@'); at != std::string_view::npos) {
    auto digest = text.substr(at + 1);
    if (!digest.starts_with(digest_prefix) || digest.size() != digest_prefix.size() + digest_hex
        || !std::all_of(digest.begin() + digest_prefix.size(), digest.end(), is_hex)) {
      return refused("a digest must be sha256: and 64 lowercase hex digits");
    }
    out.digest = std::string{digest};
    text = text.substr(0, at);
  }
  // A tag follows the last ':' after the last '/' (a ':' before it is a registry's port).
  auto slash = text.rfind('/');
  auto colon = text.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    auto tag = text.substr(colon + 1);
    if (!is_tag(tag)) {
      return refused("a tag is [A-Za-z0-9_][A-Za-z0-9_.-]* and at most 128 characters");
    }
    out.tag = std::string{tag};
    text = text.substr(0, colon);
  }
  if (text.size() > max_name) {
    return refused("the name is longer than " + std::to_string(max_name) + " bytes");
  }
  auto first_slash = text.find('/');
  if (first_slash != std::string_view::npos) {
    auto first = text.substr(0, first_slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      if (!is_registry(first)) {
        return refused("the registry is host[:port] (letters, digits, '-' and '.')");
      }
      out.registry = std::string{first};
      text = text.substr(first_slash + 1);
    }
  }
  if (text.empty()) {
    return refused("it names no repository");
  }
  for (auto rest = text;;) {
    auto next = rest.find('/');
    if (!is_path_component(rest.substr(0, next))) {
      return refused("a path component is lowercase letters and digits, joined by '.', '_', "
                     "'__' or '-'");
    }
    if (next == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(next + 1);
  }
  out.path = std::string{text};
  return out;
}

} // namespace janus
