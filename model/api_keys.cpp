#include "model/api_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

#include "model/config.hpp"
#include "model/hex.hpp"

namespace janus {

namespace {

struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* ctx) const {
    EVP_MD_CTX_free(ctx);
  }
};

struct md_deleter {
  void operator()(EVP_MD* md) const {
    EVP_MD_free(md);
  }
};

constexpr std::string_view hash_prefix = "sha256:";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

/// The case-insensitive `Bearer ` scheme of an Authorization value (RFC 9110 11.1), followed by
/// the credentials; empty when the value is no bearer credential.
std::string_view bearer_credentials(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() <= scheme.size()) {
    return {};
  }
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    char c = authorization[i];
    char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != scheme[i]) {
      return {};
    }
  }
  return trim(authorization.substr(scheme.size()));
}

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw config_error(where + ": " + message);
}

} // namespace

sha256_digest sha256(std::string_view text) {
  // One fetched algorithm for the process and one context per thread: a fetch or a context
  // allocation per request would cost more than the hash of a key.
  static const std::unique_ptr<EVP_MD, md_deleter> algorithm{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
  thread_local const std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> context{EVP_MD_CTX_new()};
  sha256_digest out{};
  unsigned int length = 0;
  if (!algorithm || !context || EVP_DigestInit_ex2(context.get(), algorithm.get(), nullptr) != 1
      || EVP_DigestUpdate(context.get(), text.data(), text.size()) != 1
      || EVP_DigestFinal_ex(context.get(), out.data(), &length) != 1 || length != out.size()) {
    throw std::runtime_error("OpenSSL cannot compute SHA-256");
  }
  return out;
}

void api_key_set::add_digest(const sha256_digest& digest) {
  digests_.push_back(digest);
}

void api_key_set::add_entry(std::string_view entry, const std::string& where) {
  if (digests_.size() >= max_keys) {
    fail(where, "more than " + std::to_string(max_keys) + " keys");
  }
  bool hashed = entry.size() >= hash_prefix.size();
  for (std::size_t i = 0; hashed && i < hash_prefix.size(); ++i) {
    char c = entry[i];
    hashed = ((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c) == hash_prefix[i];
  }
  if (hashed) {
    auto hex = entry.substr(hash_prefix.size());
    sha256_digest digest{};
    if (hex.size() != 2 * digest.size()) {
      fail(where, "a sha256: entry needs 64 hex digits, got " + std::to_string(hex.size())
                    + " characters");
    }
    for (std::size_t i = 0; i < digest.size(); ++i) {
      int high = hex_value(hex[2 * i]);
      int low = hex_value(hex[2 * i + 1]);
      if (high < 0 || low < 0) {
        fail(where, "a sha256: entry needs 64 hex digits (0-9, a-f)");
      }
      digest[i] = static_cast<unsigned char>(high * 16 + low);
    }
    add_digest(digest);
    return;
  }
  if (entry.size() > max_key_length) {
    fail(where, "a key is at most " + std::to_string(max_key_length) + " characters");
  }
  for (char c : entry) {
    // Visible ASCII only: a key travels in a header field, and a comma separates list items.
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f || c == ',') {
      fail(where, "a key may hold visible ASCII characters only, no spaces or commas");
    }
  }
  add_digest(sha256(entry));
}

void api_key_set::add_file(std::string_view text, const std::string& key) {
  auto before = digests_.size();
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    auto end = text.find('\n');
    auto line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    add_entry(line, key + ": line " + std::to_string(line_number));
  }
  if (digests_.size() == before) {
    fail(key, "the file holds no key (one per line, or sha256:<hex>)");
  }
}

void api_key_set::add_list(std::string_view text, const std::string& key) {
  auto before = digests_.size();
  std::size_t item = 0;
  while (true) {
    ++item;
    auto end = text.find(',');
    auto entry = trim(text.substr(0, end));
    if (!entry.empty()) {
      add_entry(entry, key + ": item " + std::to_string(item));
    }
    if (end == std::string_view::npos) {
      break;
    }
    text = text.substr(end + 1);
  }
  if (digests_.size() == before) {
    fail(key, "the list holds no key (comma-separated keys)");
  }
}

bool api_key_set::accepts(std::string_view authorization) const {
  auto presented = bearer_credentials(authorization);
  if (presented.empty() || digests_.empty()) {
    return false;
  }
  auto digest = sha256(presented);
  int matched = 0;
  for (const auto& known : digests_) {
    matched |= CRYPTO_memcmp(known.data(), digest.data(), digest.size()) == 0 ? 1 : 0;
  }
  return matched != 0;
}

} // namespace janus
