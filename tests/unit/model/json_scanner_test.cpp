#include "model/json_scanner.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace janus {
namespace {

/// The tokens of `text`, each as "kind" or "kind:text", up to and including end or error.
std::vector<std::string> tokens_of(std::string_view text, int max_depth = 128) {
  static constexpr const char* names[] = {"{", "}", "[", "]", "key", "string", "number",
                                          "true", "false", "null", "end", "error"};
  json_scanner json{text, max_depth};
  std::vector<std::string> out;
  for (;;) {
    const auto token = json.next();
    std::string shown = names[static_cast<int>(token)];
    if (!json.text().empty()) {
      shown += ":" + std::string{json.text()};
    }
    out.push_back(shown);
    if (token == json_token::end || token == json_token::error || out.size() > 1000) {
      return out;
    }
  }
}

/// Where and why `text` is refused ("" when it is not).
std::string fault_of(std::string_view text, int max_depth = 128) {
  json_scanner json{text, max_depth};
  for (int i = 0; i < 100000; ++i) {
    switch (json.next()) {
      case json_token::end:
        return "";
      case json_token::error:
        return json.fault() == json_fault::too_deep
                 ? "too deep at " + std::to_string(json.offset())
                 : std::string{json.fault_text()} + " at " + std::to_string(json.offset());
      default:
        break;
    }
  }
  return "no end";
}

using list = std::vector<std::string>;

TEST(json_scanner, reads_every_kind_of_token_in_order) {
  EXPECT_EQ(tokens_of(R"( {"a": [1, -2.5e+3, "x", true, false, null, {}, []], "b" : {"c":0}} )"),
            (list{"{", "key:a", "[", "number:1", "number:-2.5e+3", "string:x", "true:true",
                  "false:false", "null:null", "{", "}", "[", "]", "]", "key:b", "{", "key:c",
                  "number:0", "}", "}", "end"}));
  EXPECT_EQ(tokens_of("\"top\""), (list{"string:top", "end"}));
  EXPECT_EQ(tokens_of(" 0 "), (list{"number:0", "end"}));
  EXPECT_EQ(tokens_of("\t\r\n[]\n"), (list{"[", "]", "end"}));
}

TEST(json_scanner, hands_out_strings_as_written_and_says_when_they_hold_escapes) {
  json_scanner json{R"(["plain", "a\"b\\c\u00e9", ""])", 8};
  ASSERT_EQ(json.next(), json_token::begin_array);
  ASSERT_EQ(json.next(), json_token::string);
  EXPECT_EQ(json.text(), "plain");
  EXPECT_FALSE(json.escaped());
  EXPECT_EQ(json.offset(), 1u);
  ASSERT_EQ(json.next(), json_token::string);
  EXPECT_EQ(json.text(), R"(a\"b\\c\u00e9)");
  EXPECT_TRUE(json.escaped());
  EXPECT_EQ(json.offset(), 10u);
  ASSERT_EQ(json.next(), json_token::string);
  EXPECT_EQ(json.text(), "");
  EXPECT_FALSE(json.escaped());
  EXPECT_EQ(json.next(), json_token::end_array);
  EXPECT_EQ(json.depth(), 0);
  EXPECT_EQ(json.next(), json_token::end);
  EXPECT_EQ(json.next(), json_token::end); // and stays there
}

TEST(json_scanner, finds_a_strings_end_wherever_it_falls_in_an_eight_byte_word) {
  // The run of plain bytes is read 8 at a time: the quote, a backslash and a control character
  // at every place of a word, after runs of every length, and bytes above 0x7f beside them.
  for (std::size_t run = 0; run < 40; ++run) {
    const std::string plain(run, 'x');
    const std::string high = std::string(run, '\xc3');
    EXPECT_EQ(tokens_of("\"" + plain + "\""), (list{"string" + (run ? ":" + plain : ""), "end"}));
    EXPECT_EQ(tokens_of("\"" + high + "\" "), (list{"string" + (run ? ":" + high : ""), "end"}));
    EXPECT_EQ(tokens_of("\"" + plain + "\\n" + plain + "\""),
              (list{"string:" + plain + "\\n" + plain, "end"}));
    EXPECT_EQ(fault_of("\"" + plain + "\x1f" + plain + "\""),
              "a string holds a control character that is not escaped at "
                + std::to_string(run + 1));
    EXPECT_EQ(fault_of("\"" + plain), "a string is not closed at 0");
    EXPECT_EQ(fault_of("[1,\"" + plain + "\\"), "a string is not closed at 3");
  }
  // 0x7f is no control character in JSON; 0x00 is.
  EXPECT_EQ(fault_of("\"\x7f\""), "");
  EXPECT_EQ(fault_of(std::string{"\"ab\0\"", 5}),
            "a string holds a control character that is not escaped at 3");
}

TEST(json_scanner, checks_escapes_and_surrogate_pairs) {
  EXPECT_EQ(fault_of(R"("\" \\ \/ \b \f \n \r \t \u0000 \uABCD \uabcd")"), "");
  EXPECT_EQ(fault_of(R"("\ud83d\ude00")"), "");
  EXPECT_EQ(fault_of(R"("\udc00")"), ""); // a lone low surrogate: grammatical, decoded as is
  EXPECT_EQ(fault_of(R"("\x")"), "a string holds an escape JSON does not have at 1");
  EXPECT_EQ(fault_of(R"("\u12")"), "a \\u escape needs four hex digits at 1");
  EXPECT_EQ(fault_of(R"("\u12g4")"), "a \\u escape needs four hex digits at 1");
  EXPECT_EQ(fault_of(R"("\ud83d")"),
            "a \\u escape of a high surrogate is not followed by one of a low surrogate at 7");
  EXPECT_EQ(fault_of(R"("\ud83d\u0041")"),
            "a \\u escape of a high surrogate is not followed by one of a low surrogate at 7");
  EXPECT_EQ(fault_of(R"("\ud83dx")"),
            "a \\u escape of a high surrogate is not followed by one of a low surrogate at 7");
}

TEST(json_scanner, refuses_what_is_not_one_json_value) {
  struct sample {
    const char* text;
    const char* fault;
  };
  const sample samples[] = {
    {"", "the text is empty at 0"},
    {"  \n", "the text is empty at 3"},
    {"[", "the text ends where a value should be at 1"},
    {"{", "expected a member name in double quotes at 1"},
    {"{\"a\"", "expected ':' after a member name at 4"},
    {"{\"a\" 1}", "expected ':' after a member name at 5"},
    {"{\"a\":}", "expected a value at 5"},
    {"{a:1}", "expected a member name in double quotes at 1"},
    {"{\"a\":1,}", "expected a member name in double quotes at 7"},
    {"[1,]", "expected a value at 3"},
    {"[1 2]", "expected ',' or ']' after an array element at 3"},
    {"{\"a\":1 \"b\":2}", "expected ',' or '}' after an object member at 7"},
    {"[}", "expected a value at 1"},
    {"{]", "expected a member name in double quotes at 1"},
    {"[1}", "expected ',' or ']' after an array element at 2"},
    {"{} {}", "unexpected data after the document at 3"},
    {"01", "unexpected data after the document at 1"},
    {"-", "a number has no digits at 1"},
    {"-a", "a number has no digits at 1"},
    {"1.", "a number's fraction has no digits at 2"},
    {"1.e5", "a number's fraction has no digits at 2"},
    {"1e", "a number's exponent has no digits at 2"},
    {"1e+", "a number's exponent has no digits at 3"},
    {".5", "expected a value at 0"},
    {"+1", "expected a value at 0"},
    {"tru", "expected a value at 0"},
    {"nul", "expected a value at 0"},
    {"True", "expected a value at 0"},
    {"NaN", "expected a value at 0"},
    {"[1] x", "unexpected data after the document at 4"},
    {"// c\n{}", "expected a value at 0"},
    {"'a'", "expected a value at 0"},
  };
  for (const auto& s : samples) {
    EXPECT_EQ(fault_of(s.text), s.fault) << s.text;
  }
  // Numbers are read for their syntax only: their magnitude is the container's business.
  EXPECT_EQ(fault_of("[1e400, -0, 0.0e-0, 123456789012345678901234567890]"), "");
}

TEST(json_scanner, nests_exactly_to_its_limit) {
  for (int limit : {1, 2, 63, 64, 65, 128, 255, 256}) {
    const auto at_limit = std::string(static_cast<std::size_t>(limit), '[')
                          + std::string(static_cast<std::size_t>(limit), ']');
    EXPECT_EQ(fault_of(at_limit, limit), "") << limit;
    const auto past = "[" + at_limit + "]";
    EXPECT_EQ(fault_of(past, limit), "too deep at " + std::to_string(limit)) << limit;
  }
  // Objects and arrays interleaved past 64 levels keep their kinds apart.
  std::string mixed;
  std::string closing;
  for (int i = 0; i < 200; ++i) {
    mixed += i % 3 == 0 ? "{\"k\":" : "[";
    closing.insert(0, i % 3 == 0 ? "}" : "]");
  }
  EXPECT_EQ(fault_of(mixed + "1" + closing, 256), "");
  EXPECT_NE(fault_of(mixed + "1" + closing.substr(1) + "]", 256), "");
  // A limit out of range is clamped: 0 allows one level, 1000 allows max_nesting.
  EXPECT_EQ(fault_of("[]", 0), "");
  EXPECT_EQ(fault_of(std::string(257, '[') + std::string(257, ']'), 1000), "too deep at 256");
}

TEST(json_scanner, depth_follows_the_containers) {
  json_scanner json{R"({"a":[{"b":1}]})", 8};
  std::vector<int> depths;
  for (auto t = json.next(); t != json_token::end && t != json_token::error; t = json.next()) {
    depths.push_back(json.depth());
  }
  EXPECT_EQ(depths, (std::vector<int>{1, 1, 2, 3, 3, 3, 2, 1, 0}));
}

TEST(json_scanner, decodes_a_strings_contents) {
  auto decoded = [](std::string_view contents) {
    std::string out;
    decode_json_string(contents, out);
    return out;
  };
  EXPECT_EQ(decoded("plain"), "plain");
  EXPECT_EQ(decoded(R"(a\"b\\c\/d\b\f\n\r\t)"), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(decoded(R"(\u0041\u00e9\u20ac)"), "A\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(decoded(R"(\u0000)"), std::string(1, '\0'));
  EXPECT_EQ(decoded(R"(m\ud83d\ude00!)"), "m\xf0\x9f\x98\x80!");
  EXPECT_EQ(decoded(R"(\udc00)"), "\xed\xb0\x80"); // a lone low surrogate: its three bytes
  std::string appended = "keep:";
  decode_json_string(R"(\n)", appended);
  EXPECT_EQ(appended, "keep:\n");
}

} // namespace
} // namespace janus
