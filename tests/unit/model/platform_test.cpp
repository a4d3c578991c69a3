#include "model/platform.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace janus {
namespace {

TEST(upstream_url, an_https_url_is_taken_apart_with_its_default_port) {
  auto parsed = parse_upstream_url("https://LLM.chutes.ai/v1/chat/completions");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed.value().tls);
  EXPECT_EQ(parsed.value().host, "llm.chutes.ai");
  EXPECT_EQ(parsed.value().port, 443);
  EXPECT_EQ(parsed.value().path, "/v1/chat/completions");
  EXPECT_EQ(parsed.value().authority, "llm.chutes.ai");
}

TEST(upstream_url, a_port_and_an_ipv6_address_are_kept_in_the_authority) {
  auto v4 = parse_upstream_url("http://127.0.0.1:9000");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4.value().port, 9000);
  EXPECT_EQ(v4.value().path, "/");
  EXPECT_EQ(v4.value().authority, "127.0.0.1:9000");
  auto v6 = parse_upstream_url("http://[::1]:8080/x");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6.value().host, "::1");
  EXPECT_EQ(v6.value().authority, "[::1]:8080");
}

TEST(upstream_url, user_info_queries_other_schemes_and_bad_ports_are_refused) {
  for (const char* bad : {"ftp://x/", "https://user:pw@x/", "http://x/?a=1", "http://x:0/",
                          "http://x:70000/", "http://[::1/", "http://-x/", "http://x/a b",
                          "http:///path", ""}) {
    EXPECT_FALSE(parse_upstream_url(bad)) << bad;
  }
}

TEST(clean_path, dot_segments_encoded_separators_and_empty_segments_are_not_clean) {
  EXPECT_TRUE(is_clean_path("/v1/chat/completions"));
  EXPECT_TRUE(is_clean_path("/memory/query/"));
  EXPECT_TRUE(is_clean_path("/search%20x"));
  for (const char* bad : {"", "x", "/a/../b", "/a/./b", "/..", "/a//b", "/a%2fb", "/a%2E%2e",
                          "/a%5cb", "/a\\b", "/a%", "/a%2", "/a b"}) {
    EXPECT_FALSE(is_clean_path(bad)) << bad;
  }
}

TEST(match_route, the_longest_prefix_wins_at_a_segment_boundary) {
  std::vector<std::string> prefixes{"/search", "/memory/query", "/memory", "/v1/"};
  EXPECT_EQ(match_route(prefixes, "/search"), 0u);
  EXPECT_EQ(match_route(prefixes, "/search/deep"), 0u);
  EXPECT_EQ(match_route(prefixes, "/searchx"), std::nullopt);
  EXPECT_EQ(match_route(prefixes, "/memory/query"), 1u);
  EXPECT_EQ(match_route(prefixes, "/memory/store"), 2u);
  EXPECT_EQ(match_route(prefixes, "/v1/embeddings"), 3u);
  EXPECT_EQ(match_route(prefixes, "/"), std::nullopt);
}

TEST(upstream_target, the_rest_of_the_path_and_the_query_follow_the_upstream_path) {
  auto url = parse_upstream_url("https://x/api/search").value();
  EXPECT_EQ(upstream_target(url, "/search", "/search", ""), "/api/search");
  EXPECT_EQ(upstream_target(url, "/search", "/search/deep", "q=1"), "/api/search/deep?q=1");
  auto root = parse_upstream_url("http://x/").value();
  EXPECT_EQ(upstream_target(root, "/v1", "/v1/models", ""), "/models");
}

TEST(connect_target, names_addresses_and_bracketed_ipv6_are_parsed) {
  auto named = parse_connect_target("GitHub.com:443");
  ASSERT_TRUE(named);
  EXPECT_EQ(named.value().host, "github.com");
  EXPECT_EQ(named.value().port, 443);
  auto v6 = parse_connect_target("[::1]:8443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6.value().host, "::1");
  for (const char* bad : {"github.com", "github.com:", ":443", "a b:443", "x:99999", "[::1:443",
                          "::1:443", "x:443/", "*.x:443"}) {
    EXPECT_FALSE(parse_connect_target(bad)) << bad;
  }
}

TEST(egress, an_exact_pattern_allows_its_host_and_port_only) {
  std::vector<egress_pattern> patterns{parse_egress_pattern("github.com:443").value()};
  EXPECT_NE(find_egress_pattern(patterns, {"github.com", 443}), nullptr);
  EXPECT_EQ(find_egress_pattern(patterns, {"github.com", 80}), nullptr);
  EXPECT_EQ(find_egress_pattern(patterns, {"api.github.com", 443}), nullptr);
  EXPECT_EQ(find_egress_pattern(patterns, {"evilgithub.com", 443}), nullptr);
}

TEST(egress, a_wildcard_allows_names_below_its_domain_but_not_the_domain_itself) {
  std::vector<egress_pattern> patterns{parse_egress_pattern("*.debian.org:443").value()};
  EXPECT_NE(find_egress_pattern(patterns, {"deb.debian.org", 443}), nullptr);
  EXPECT_NE(find_egress_pattern(patterns, {"a.b.debian.org", 443}), nullptr);
  EXPECT_EQ(find_egress_pattern(patterns, {"debian.org", 443}), nullptr);
  EXPECT_EQ(find_egress_pattern(patterns, {"xdebian.org", 443}), nullptr);
}

TEST(egress, address_patterns_are_literal_and_bad_patterns_are_refused) {
  auto literal = parse_egress_pattern("127.0.0.1:8443");
  ASSERT_TRUE(literal);
  EXPECT_TRUE(literal.value().literal_address);
  EXPECT_TRUE(parse_egress_pattern("[::1]:443").value().literal_address);
  for (const char* bad : {"github.com", "*.github.com:*", "*:443", "git*.com:443",
                          "*.127.0.0.1:443", "a..b:443", "x:0"}) {
    EXPECT_FALSE(parse_egress_pattern(bad)) << bad;
  }
}

TEST(internal_address, loopback_private_link_local_and_their_mapped_forms_are_internal) {
  auto v4 = [](std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return std::array<std::uint8_t, 4>{a, b, c, d};
  };
  for (auto address : {v4(127, 0, 0, 1), v4(10, 1, 2, 3), v4(172, 16, 0, 1), v4(172, 31, 9, 9),
                       v4(192, 168, 1, 1), v4(169, 254, 169, 254), v4(0, 0, 0, 0),
                       v4(100, 64, 0, 1), v4(224, 0, 0, 1)}) {
    EXPECT_TRUE(is_internal_address(address)) << int(address[0]) << "." << int(address[1]);
  }
  for (auto address : {v4(140, 82, 112, 3), v4(172, 32, 0, 1), v4(8, 8, 8, 8)}) {
    EXPECT_FALSE(is_internal_address(address));
  }
  std::array<std::uint8_t, 16> loopback6{};
  loopback6[15] = 1;
  EXPECT_TRUE(is_internal_address(loopback6));
  std::array<std::uint8_t, 16> mapped{};
  mapped[10] = 0xff;
  mapped[11] = 0xff;
  mapped[12] = 127;
  mapped[15] = 1;
  EXPECT_TRUE(is_internal_address(mapped));
  std::array<std::uint8_t, 16> link_local{0xfe, 0x80};
  EXPECT_TRUE(is_internal_address(link_local));
  std::array<std::uint8_t, 16> global{0x26, 0x06, 0x47, 0x00};
  EXPECT_FALSE(is_internal_address(global));
}

TEST(credential_token, bearer_and_basic_with_the_token_as_password_are_read) {
  EXPECT_EQ(credential_token("Bearer abc"), "abc");
  EXPECT_EQ(credential_token("bearer   abc "), "abc");
  // base64("janus:tok") = amFudXM6dG9r
  EXPECT_EQ(credential_token("Basic amFudXM6dG9r"), "tok");
  EXPECT_EQ(credential_token("Basic !!!"), std::nullopt);
  EXPECT_EQ(credential_token("Digest x"), std::nullopt);
  EXPECT_EQ(credential_token("Bearer"), std::nullopt);
  EXPECT_EQ(credential_token(""), std::nullopt);
}

TEST(base64, decoding_takes_padding_or_none_and_refuses_bad_characters) {
  EXPECT_EQ(decode_base64("aGk="), "hi");
  EXPECT_EQ(decode_base64("aGk"), "hi");
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_EQ(decode_base64("a"), std::nullopt);
  EXPECT_EQ(decode_base64("a-b="), std::nullopt);
}

TEST(constant_time_equal, equal_only_for_the_same_bytes) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

} // namespace
} // namespace janus
