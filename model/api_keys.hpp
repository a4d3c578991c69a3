#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace janus {

/// A SHA-256 digest.
using sha256_digest = std::array<unsigned char, 32>;

/// The SHA-256 digest of `text` (OpenSSL).
sha256_digest sha256(std::string_view text);

/// The client API keys `/v1/*` accepts, held as SHA-256 digests only: a plain key read from a
/// file or the environment is hashed at once and its text is not kept. A presented key is
/// hashed and compared with every digest in constant time (CRYPTO_memcmp over all of them, no
/// early exit), so the time an answer takes says nothing about any key. Empty = no key
/// configured: the API is open.
class api_key_set {
public:
  /// Most keys a set holds: every request compares against all of them.
  static constexpr std::size_t max_keys = 1000;

  /// Longest plain key, in characters.
  static constexpr std::size_t max_key_length = 512;

  /// Parses a key file: one key per line, either the key itself or `sha256:<64 hex digits>` (prefix in any case)
  /// (the digest of the key, so the file holds no plain key); blank lines and lines starting
  /// with `#` are skipped, spaces around a line are ignored. Throws config_error naming `key`
  /// and the line when a line is no valid key, or when the text holds no key at all.
  void add_file(std::string_view text, const std::string& key);

  /// Parses a comma-separated list of keys (each as a line of add_file). Throws config_error
  /// naming `key` when an item is no valid key or when the list holds no key at all.
  void add_list(std::string_view text, const std::string& key);

  /// Adds one key's digest.
  void add_digest(const sha256_digest& digest);

  /// Whether `authorization` (an `Authorization` header value) is `Bearer <key>` (the scheme in
  /// any case) with a key of this set.
  bool accepts(std::string_view authorization) const;

  /// Whether any key is configured (the API needs one).
  bool enabled() const noexcept {
    return !digests_.empty();
  }

  std::size_t size() const noexcept {
    return digests_.size();
  }

  /// The same keys in the same order (a reload compares the running set with the file's).
  bool operator==(const api_key_set&) const = default;

private:
  /// Parses one trimmed, non-empty entry; throws config_error with `where` when it is invalid.
  void add_entry(std::string_view entry, const std::string& where);

  std::vector<sha256_digest> digests_;
};

} // namespace janus
