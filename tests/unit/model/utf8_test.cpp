#include "model/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace janus {
namespace {

TEST(utf8, accepts_every_well_formed_sequence_length) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii \x01\x7f"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9"));         // U+00E9
  EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));     // U+20AC
  EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x98\x80")); // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf")); // U+10FFFF, the last code point
  EXPECT_TRUE(is_valid_utf8(std::string{"a\0b", 3}));
}

TEST(utf8, refuses_stray_bytes_overlong_forms_surrogates_and_code_points_past_10ffff) {
  for (const char* bad : {"\x80", "\xff", "\xc3", "\xc3\x28", "\xc0\xaf", "\xc1\xbf",
                          "\xe0\x80\xaf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\xaf",
                          "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xe2\x82", "ok\xf0\x9f\x98"}) {
    EXPECT_FALSE(is_valid_utf8(bad)) << testing::PrintToString(std::string{bad});
  }
}

TEST(utf8, the_offset_of_the_first_bad_byte_is_found_inside_and_after_ascii_runs) {
  EXPECT_EQ(invalid_utf8_offset("all ascii, longer than eight bytes"), std::string_view::npos);
  for (std::size_t at : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 23u}) {
    std::string text(24, 'a');
    text[at] = '\xff';
    EXPECT_EQ(invalid_utf8_offset(text), at);
  }
  // A sequence that starts in one 8-byte word and ends in the next.
  EXPECT_EQ(invalid_utf8_offset("1234567\xf0\x9f\x98\x80" "89abcdef"), std::string_view::npos);
  EXPECT_EQ(invalid_utf8_offset("1234567\xf0\x9f\x98" "89abcdef"), 7u);
}

TEST(utf8, cleaning_replaces_each_bad_byte_and_keeps_valid_text_as_it_is) {
  EXPECT_EQ(to_valid_utf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(to_valid_utf8("a\xff" "b"), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(to_valid_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_TRUE(is_valid_utf8(to_valid_utf8("\xc3\xc3\xa9\xf0\x9f")));
}

TEST(utf8, a_prefix_never_cuts_a_sequence_in_two) {
  const std::string text = "ab\xc3\xa9" "c";
  EXPECT_EQ(utf8_prefix(text, 10), text);
  EXPECT_EQ(utf8_prefix(text, 4), "ab\xc3\xa9");
  EXPECT_EQ(utf8_prefix(text, 3), "ab");
  EXPECT_EQ(utf8_prefix(text, 0), "");
  EXPECT_EQ(utf8_prefix("\xff\xff\xff", 2), "\xff\xff") << "stray bytes count one each";
}

} // namespace
} // namespace janus
