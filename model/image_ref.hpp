#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "model/result.hpp"

namespace janus {

/// The longest image reference accepted, in bytes (Docker's repository names stop at 255; a
/// tag adds up to 129 and a digest 72).
constexpr std::size_t max_image_ref = 512;

/// A Docker image reference, split: `[registry[:port]/]path[:tag][@sha256:<64 hex>]`.
struct image_ref {
  /// `127.0.0.1:5000`, `registry.example`; empty for Docker Hub.
  std::string registry;
  /// `miner/x`: lowercase components separated by '/'.
  std::string path;
  /// `v1`; empty when the reference names none (Docker's `latest` then, unless pinned).
  std::string tag;
  /// `sha256:<64 hex>`; empty when not pinned.
  std::string digest;

  /// `registry/path`, or `path` for Docker Hub: what `fromImage` of a pull names.
  std::string repository() const;

  /// The registry's host as credentials name it: `registry`, or `docker.io`.
  std::string registry_host() const;

  /// What a pull asks for besides the repository: the digest when pinned, else the tag, else
  /// `latest`.
  std::string pull_tag() const;
};

/// Parses `text` strictly, by the grammar of Docker's reference package: the first component is
/// the registry when it holds a '.' or a ':' or is `localhost` (host names of letters, digits and
/// inner '-', an optional port of up to 5 digits); path components are `[a-z0-9]+` joined by
/// '.', '_', "__" or runs of '-', at most 255 bytes for registry and path together; a tag is
/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; a digest is `sha256:` and 64 lowercase hex digits. No
/// recursion, no allocation beyond the result; text longer than max_image_ref is refused before
/// it is read. The error (`invalid_request`) says what is wrong, without the text.
result<image_ref> parse_image_ref(std::string_view text);

} // namespace janus
