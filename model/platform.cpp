#include "model/platform.hpp"

#include <algorithm>
#include <charconv>

#include <arpa/inet.h>

namespace janus {

namespace {

constexpr std::size_t max_host = 253;

error_info bad(std::string message) {
  return error_info{errc::invalid_request, std::move(message)};
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
         || c == '.';
}

/// A DNS name: labels of 1-63 name characters, no leading or trailing dot or hyphen.
bool is_dns_name(std::string_view name) {
  if (name.empty() || name.size() > max_host) {
    return false;
  }
  std::size_t label = 0;
  char previous = '.';
  for (char c : name) {
    if (!is_name_char(c)) {
      return false;
    }
    if (c == '.') {
      if (label == 0 || previous == '-') {
        return false;
      }
      label = 0;
    } else {
      if (label == 0 && c == '-') {
        return false;
      }
      if (++label > 63) {
        return false;
      }
    }
    previous = c;
  }
  return label > 0 && previous != '-';
}

bool is_ipv4(std::string_view text) {
  if (text.size() > 15) {
    return false;
  }
  std::string copy{text};
  in_addr addr{};
  return ::inet_pton(AF_INET, copy.c_str(), &addr) == 1;
}

bool is_ipv6(std::string_view text) {
  if (text.size() > 45) {
    return false;
  }
  std::string copy{text};
  in6_addr addr{};
  return ::inet_pton(AF_INET6, copy.c_str(), &addr) == 1;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5
      || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value < 1 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

struct host_port {
  std::string host;
  std::string_view port;
  bool bracketed = false;
};

/// Splits `host:port` or `[v6]:port` (the port may be missing when `port_optional`).
std::optional<host_port> split_host_port(std::string_view text, bool port_optional) {
  host_port out;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    out.host = std::string{text.substr(1, close - 1)};
    out.bracketed = true;
    auto rest = text.substr(close + 1);
    if (rest.empty()) {
      if (!port_optional) {
        return std::nullopt;
      }
    } else if (rest.front() != ':') {
      return std::nullopt;
    } else {
      out.port = rest.substr(1);
    }
    return out;
  }
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    if (!port_optional) {
      return std::nullopt;
    }
    out.host = std::string{text};
    return out;
  }
  out.host = std::string{text.substr(0, colon)};
  out.port = text.substr(colon + 1);
  return out;
}

/// A host of a URL, a CONNECT target or a pattern: a name, IPv4, or bracketed IPv6.
bool valid_host(const host_port& parts) {
  if (parts.bracketed) {
    return is_ipv6(parts.host);
  }
  return is_ipv4(parts.host) || is_dns_name(parts.host);
}

bool hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

} // namespace

result<upstream_url> parse_upstream_url(std::string_view text) {
  upstream_url out;
  std::string_view rest;
  if (text.starts_with("https://")) {
    out.tls = true;
    rest = text.substr(8);
  } else if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else {
    return bad("expected an http:// or https:// URL, got \"" + std::string{text} + "\"");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad("an upstream URL takes no query or fragment");
  }
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? "/" : std::string{rest.substr(slash)};
  if (authority.find('@') != std::string_view::npos) {
    return bad("an upstream URL takes no user info: inject credentials with headers");
  }
  auto parts = split_host_port(authority, true);
  if (!parts || !valid_host(*parts)) {
    return bad("bad host in \"" + std::string{text} + "\"");
  }
  out.host = to_lower(parts->host);
  std::uint16_t default_port = out.tls ? 443 : 80;
  if (parts->port.empty()) {
    out.port = default_port;
  } else if (auto port = parse_port(parts->port)) {
    out.port = *port;
  } else {
    return bad("bad port in \"" + std::string{text} + "\"");
  }
  for (char c : out.path) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return bad("the upstream path has a space or control character");
    }
  }
  out.authority = parts->bracketed ? "[" + out.host + "]" : out.host;
  if (out.port != default_port) {
    out.authority += ":" + std::to_string(out.port);
  }
  return out;
}

bool is_clean_path(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return false;
  }
  for (std::size_t i = 0; i < path.size(); ++i) {
    auto c = static_cast<unsigned char>(path[i]);
    if (c <= 0x20 || c == 0x7f || c == '\\') {
      return false;
    }
    if (c == '%') {
      if (i + 2 >= path.size() || !hex_digit(path[i + 1]) || !hex_digit(path[i + 2])) {
        return false;
      }
      char a = path[i + 1];
      char b = lower(path[i + 2]);
      if (a == '2' && (b == 'e' || b == 'f')) {
        return false;
      }
      if (a == '5' && b == 'c') {
        return false;
      }
    }
  }
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    auto segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") {
      return false;
    }
    if (segment.empty() && end != path.size()) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

std::optional<std::size_t> match_route(std::span<const std::string> prefixes,
                                       std::string_view path) {
  std::optional<std::size_t> best;
  std::size_t best_length = 0;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    std::string_view prefix = prefixes[i];
    if (!path.starts_with(prefix)) {
      continue;
    }
    bool boundary = path.size() == prefix.size() || prefix.ends_with('/')
                    || path[prefix.size()] == '/';
    if (boundary && (!best || prefix.size() > best_length)) {
      best = i;
      best_length = prefix.size();
    }
  }
  return best;
}

std::string upstream_target(const upstream_url& upstream, std::string_view prefix,
                            std::string_view path, std::string_view query) {
  std::string target = upstream.path;
  auto rest = path.substr(std::min(prefix.size(), path.size()));
  if (!rest.empty()) {
    if (target.ends_with('/') && rest.starts_with('/')) {
      rest.remove_prefix(1);
    }
    target += rest;
  }
  if (!query.empty()) {
    target += '?';
    target += query;
  }
  return target;
}

result<connect_target> parse_connect_target(std::string_view text) {
  if (text.size() > max_host + 8) {
    return bad("the CONNECT target is too long");
  }
  auto parts = split_host_port(text, false);
  if (!parts || !valid_host(*parts)) {
    return bad("expected host:port as the CONNECT target, got \"" + std::string{text} + "\"");
  }
  auto port = parse_port(parts->port);
  if (!port) {
    return bad("bad port in the CONNECT target \"" + std::string{text} + "\"");
  }
  return connect_target{to_lower(parts->host), *port};
}

result<egress_pattern> parse_egress_pattern(std::string_view text) {
  egress_pattern out;
  std::string_view host_part = text;
  if (text.starts_with("*.")) {
    out.wildcard = true;
    host_part = text.substr(2);
  }
  auto parts = split_host_port(host_part, false);
  if (!parts) {
    return bad("expected host:port (e.g. github.com:443 or *.debian.org:443), got \""
               + std::string{text} + "\"");
  }
  auto port = parse_port(parts->port);
  if (!port) {
    return bad("bad port in \"" + std::string{text} + "\" (a number 1-65535; no wildcard)");
  }
  out.port = *port;
  if (parts->bracketed || is_ipv4(parts->host)) {
    if (out.wildcard || !valid_host(*parts)) {
      return bad("bad address in \"" + std::string{text} + "\"");
    }
    out.literal_address = true;
  } else if (!is_dns_name(parts->host) || parts->host.find('*') != std::string::npos) {
    return bad("bad host in \"" + std::string{text}
               + "\" (an exact name, an address, or *. and a domain)");
  }
  out.host = to_lower(parts->host);
  return out;
}

const egress_pattern* find_egress_pattern(std::span<const egress_pattern> patterns,
                                          const connect_target& target) {
  for (const auto& pattern : patterns) {
    if (pattern.port != target.port) {
      continue;
    }
    if (!pattern.wildcard) {
      if (pattern.host == target.host) {
        return &pattern;
      }
      continue;
    }
    const auto& host = target.host;
    if (host.size() > pattern.host.size() + 1 && host.ends_with(pattern.host)
        && host[host.size() - pattern.host.size() - 1] == '.' && is_dns_name(host)
        && !is_ipv4(host)) {
      return &pattern;
    }
  }
  return nullptr;
}

bool is_internal_address(std::span<const std::uint8_t> bytes) {
  if (bytes.size() == 16) {
    static constexpr std::uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(bytes.begin(), bytes.begin() + 12, mapped_prefix)) {
      return is_internal_address(bytes.subspan(12));
    }
    bool all_zero_but_last = std::all_of(bytes.begin(), bytes.begin() + 15,
                                         [](std::uint8_t b) { return b == 0; });
    if (all_zero_but_last && (bytes[15] == 0 || bytes[15] == 1)) {
      return true; // :: and ::1
    }
    if ((bytes[0] & 0xfe) == 0xfc) {
      return true; // fc00::/7 unique local
    }
    if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) {
      return true; // fe80::/10 link-local
    }
    if (bytes[0] == 0xff) {
      return true; // multicast
    }
    return false;
  }
  if (bytes.size() != 4) {
    return true;
  }
  auto a = bytes[0];
  auto b = bytes[1];
  return a == 0 || a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && (b & 0xf0) == 16)
         || (a == 192 && b == 168) || (a == 100 && (b & 0xc0) == 64) || a >= 224;
}

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() > 4096) {
    return std::nullopt;
  }
  while (!text.empty() && text.back() == '=') {
    text.remove_suffix(1);
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+') {
      v = 62;
    } else if (c == '/') {
      v = 63;
    } else {
      return std::nullopt;
    }
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  if (count >= 6) {
    return std::nullopt; // a single leftover character cannot encode a byte
  }
  return out;
}

std::optional<std::string> credential_token(std::string_view value) {
  auto scheme_end = value.find(' ');
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  auto scheme = to_lower(value.substr(0, scheme_end));
  auto rest = value.substr(scheme_end + 1);
  while (!rest.empty() && rest.front() == ' ') {
    rest.remove_prefix(1);
  }
  while (!rest.empty() && rest.back() == ' ') {
    rest.remove_suffix(1);
  }
  if (rest.empty()) {
    return std::nullopt;
  }
  if (scheme == "bearer") {
    return std::string{rest};
  }
  if (scheme == "basic") {
    auto decoded = decode_base64(rest);
    if (!decoded) {
      return std::nullopt;
    }
    auto colon = decoded->find(':');
    if (colon == std::string::npos) {
      return std::nullopt;
    }
    return decoded->substr(colon + 1);
  }
  return std::nullopt;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false; // tokens have one length: it is no secret
  }
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

} // namespace janus
