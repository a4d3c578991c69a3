#include "model/api_keys.hpp"

#include <gtest/gtest.h>

#include <string>

#include "model/config.hpp"

namespace janus {
namespace {

std::string hex(const sha256_digest& digest) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : digest) {
    out += digits[byte >> 4];
    out += digits[byte & 0xf];
  }
  return out;
}

std::string error_of_file(const std::string& text) {
  try {
    api_key_set keys;
    keys.add_file(text, "auth.api_keys_file");
  } catch (const config_error& error) {
    return error.what();
  }
  return "<no error>";
}

TEST(sha256, gives_the_digests_of_the_standard_test_vectors) {
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256(std::string(1000, 'a'))), hex(sha256(std::string(1000, 'a'))));
}

TEST(api_key_set, is_disabled_until_a_key_is_added) {
  api_key_set keys;
  EXPECT_FALSE(keys.enabled());
  EXPECT_FALSE(keys.accepts("Bearer anything")) << "an empty set accepts nothing";
}

TEST(api_key_set, accepts_a_bearer_key_of_the_set_only) {
  api_key_set keys;
  keys.add_list("sk-alpha, sk-beta", "auth.api_keys_env");
  EXPECT_TRUE(keys.accepts("Bearer sk-alpha"));
  EXPECT_TRUE(keys.accepts("Bearer sk-beta"));
  EXPECT_TRUE(keys.accepts("bEaReR sk-beta")) << "the scheme is case-insensitive";
  EXPECT_TRUE(keys.accepts("Bearer  sk-beta ")) << "spaces around the key are no part of it";
  EXPECT_FALSE(keys.accepts("Bearer sk-Alpha")) << "the key is case-sensitive";
  EXPECT_FALSE(keys.accepts("Bearer sk-alph"));
  EXPECT_FALSE(keys.accepts("Bearer sk-alphaa"));
  EXPECT_FALSE(keys.accepts("Basic sk-alpha"));
  EXPECT_FALSE(keys.accepts("sk-alpha"));
  EXPECT_FALSE(keys.accepts("Bearer "));
  EXPECT_FALSE(keys.accepts(""));
}

TEST(api_key_set, a_file_holds_plain_keys_and_sha256_digests_comments_and_blank_lines) {
  api_key_set keys;
  keys.add_file("# gateway keys\r\n"
                "  sk-plain  \r\n"
                "\n"
                "SHA256:" + hex(sha256("sk-hashed")) + "\n",
                "auth.api_keys_file");
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_TRUE(keys.accepts("Bearer sk-plain"));
  EXPECT_TRUE(keys.accepts("Bearer sk-hashed"));
  EXPECT_FALSE(keys.accepts("Bearer sha256:" + hex(sha256("sk-hashed"))))
    << "a digest is no key";
  EXPECT_FALSE(keys.accepts("Bearer # gateway keys"));
}

TEST(api_key_set, hex_digits_of_a_digest_may_be_in_either_case) {
  api_key_set keys;
  auto digest = hex(sha256("sk-case"));
  std::string upper;
  for (char c : digest) {
    upper += (c >= 'a' && c <= 'f') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  keys.add_file("sha256:" + upper + "\n", "auth.api_keys_file");
  EXPECT_TRUE(keys.accepts("Bearer sk-case"));
}

TEST(api_key_set, a_bad_line_is_an_error_naming_the_key_and_the_line) {
  EXPECT_EQ(error_of_file("sk-ok\nsha256:abc\n"),
            "auth.api_keys_file: line 2: a sha256: entry needs 64 hex digits, got 3 characters");
  EXPECT_EQ(error_of_file("sha256:" + std::string(63, 'a') + "g\n"),
            "auth.api_keys_file: line 1: a sha256: entry needs 64 hex digits (0-9, a-f)");
  EXPECT_EQ(error_of_file("# c\nsk with space\n"),
            "auth.api_keys_file: line 2: a key may hold visible ASCII characters only, no spaces "
            "or commas");
  EXPECT_EQ(error_of_file("sk-\x01\n"),
            "auth.api_keys_file: line 1: a key may hold visible ASCII characters only, no spaces "
            "or commas");
  EXPECT_EQ(error_of_file(std::string(513, 'k')),
            "auth.api_keys_file: line 1: a key is at most 512 characters");
}

TEST(api_key_set, a_file_or_a_list_without_any_key_is_an_error) {
  EXPECT_EQ(error_of_file(""), "auth.api_keys_file: the file holds no key (one per line, or sha256:<hex>)");
  EXPECT_EQ(error_of_file("# only a comment\n\n"),
            "auth.api_keys_file: the file holds no key (one per line, or sha256:<hex>)");
  api_key_set keys;
  EXPECT_THROW(keys.add_list(",,", "auth.api_keys_env"), config_error);
  EXPECT_THROW(keys.add_list("a,b c", "auth.api_keys_env"), config_error);
}

TEST(api_key_set, holds_at_most_max_keys) {
  std::string text;
  for (std::size_t i = 0; i <= api_key_set::max_keys; ++i) {
    text += "sk-" + std::to_string(i) + "\n";
  }
  EXPECT_EQ(error_of_file(text), "auth.api_keys_file: line 1001: more than 1000 keys");
}

TEST(api_key_set, compares_the_presented_key_with_every_digest) {
  // The comparison is CRYPTO_memcmp over all digests with no early exit: whichever key
  // matches, first, last or none, the set is scanned in full. Timing is not asserted here (a
  // benchmark's job); what is asserted is that the position of a key does not matter.
  api_key_set keys;
  for (int i = 0; i < 100; ++i) {
    keys.add_digest(sha256("sk-" + std::to_string(i)));
  }
  EXPECT_TRUE(keys.accepts("Bearer sk-0"));
  EXPECT_TRUE(keys.accepts("Bearer sk-99"));
  EXPECT_FALSE(keys.accepts("Bearer sk-100"));
}

} // namespace
} // namespace janus
