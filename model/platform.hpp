#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"

namespace janus {

/// An upstream URL of a platform route, taken apart: `https://api.x/v1/chat` is
/// {tls, "api.x", 443, "/v1/chat"}.
struct upstream_url {
  bool tls = false;
  /// A DNS name (lower case), an IPv4 address or an IPv6 address (without brackets).
  std::string host;
  std::uint16_t port = 0;
  /// Starts with '/'; no query.
  std::string path;
  /// The Host header's value: host, with `:port` when it is not the scheme's default.
  std::string authority;
};

/// Parses an http or https URL without user info, query or fragment. Bounded by its input.
result<upstream_url> parse_upstream_url(std::string_view text);

/// Whether a request path (without query) is safe to append to an upstream path: it starts with
/// '/', has no `.` or `..` segment, no empty segment, no backslash, no control character and
/// no percent-encoded '.', '/' or '\'.
bool is_clean_path(std::string_view path);

/// The index of the longest route prefix matching `path` at a segment boundary (`/search`
/// matches `/search` and `/search/x`, not `/searchx`); nullopt when none does.
std::optional<std::size_t> match_route(std::span<const std::string> prefixes,
                                       std::string_view path);

/// The path an upstream is asked for: its own path followed by what comes after the route's
/// prefix, then the query (with its '?') when there is one.
std::string upstream_target(const upstream_url& upstream, std::string_view prefix,
                            std::string_view path, std::string_view query);

/// The target of a CONNECT request: `host:port`, `[v6]:port`.
struct connect_target {
  /// Lower case; an IPv6 address without brackets.
  std::string host;
  std::uint16_t port = 0;
};

/// Parses a CONNECT request target; names are 1-253 characters of letters, digits, '-', '.'.
result<connect_target> parse_connect_target(std::string_view text);

/// One entry of `platform.egress.allow`.
struct egress_pattern {
  /// Lower case host; for a wildcard the domain after `*.`.
  std::string host;
  std::uint16_t port = 0;
  /// `*.domain`: any name below the domain (not the domain itself).
  bool wildcard = false;
  /// The host is an IP address literal: connecting to it is allowed whatever its range.
  bool literal_address = false;
};

/// Parses an egress pattern (`github.com:443`, `*.debian.org:443`, `127.0.0.1:8443`,
/// `[::1]:443`); the error message says what is wrong, without the key.
result<egress_pattern> parse_egress_pattern(std::string_view text);

/// The first pattern that allows `target`, or nullptr.
const egress_pattern* find_egress_pattern(std::span<const egress_pattern> patterns,
                                          const connect_target& target);

/// Whether an address (4 or 16 bytes, network order) is one a container must not reach through
/// a tunnel by name: loopback, link-local, private, shared (100.64/10), unspecified, multicast,
/// and the IPv4-mapped forms of these.
bool is_internal_address(std::span<const std::uint8_t> bytes);

/// The token carried by `Authorization: Bearer <token>`, or by `Proxy-Authorization` as
/// `Bearer <token>` or `Basic base64(user:token)` (what a client sends for an HTTPS_PROXY URL
/// with user info); nullopt when the value is neither.
std::optional<std::string> credential_token(std::string_view header_value);

/// Standard base64 (with padding optional) decoded; nullopt on a bad character. At most 4 KiB.
std::optional<std::string> decode_base64(std::string_view text);

/// Compares in time independent of where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

} // namespace janus
