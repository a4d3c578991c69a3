#include "http/request_head.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/empty_body.hpp>

#include <gtest/gtest.h>

#include <string>

namespace janus::http {
namespace {

namespace bhttp = boost::beast::http;

/// The head of `raw` as Beast's parser reads it (which refuses some framing on its own).
struct parsed_head {
  bhttp::request_header<> head;
  boost::beast::error_code error;
};

parsed_head parse(const std::string& raw) {
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.skip(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw), ec);
  return {parser.get().base(), ec};
}

head_verdict judge(const std::string& raw, const head_policy& policy = {}) {
  auto parsed = parse(raw);
  EXPECT_FALSE(parsed.error) << raw << ": " << parsed.error.message();
  std::string_view target = parsed.head.target();
  return judge_head(parsed.head, target.substr(0, target.find('?')), policy);
}

std::string post(const std::string& fields, const std::string& version = "1.1") {
  return "POST /v1/chat/completions HTTP/" + version + "\r\nHost: h\r\n" + fields + "\r\n";
}

TEST(route_of, knows_the_engines_paths_and_admin_only_when_enabled) {
  EXPECT_EQ(route_of("/v1/chat/completions", false), route::chat);
  EXPECT_EQ(route_of("/health", false), route::health);
  EXPECT_EQ(route_of("/ready", false), route::ready);
  EXPECT_EQ(route_of("/v1/models", false), route::models);
  EXPECT_EQ(route_of("/metrics", false), route::metrics);
  EXPECT_EQ(route_of("/admin/pools", true), route::admin);
  EXPECT_EQ(route_of("/admin", true), route::admin);
  EXPECT_EQ(route_of("/admin/pools", false), route::unknown);
  EXPECT_EQ(route_of("/administrator", true), route::unknown);
  EXPECT_EQ(route_of("/v1/chat/completions/", false), route::unknown);
}

TEST(allowed_methods, are_post_for_chat_and_get_head_for_the_rest) {
  EXPECT_EQ(allowed_methods(route::chat), "POST");
  EXPECT_EQ(allowed_methods(route::health), "GET, HEAD");
  EXPECT_EQ(allowed_methods(route::metrics), "GET, HEAD");
  EXPECT_EQ(allowed_methods(route::unknown), "");
}

TEST(judge_head, serves_a_plain_request) {
  auto verdict = judge(post("Content-Length: 2\r\n"));
  EXPECT_EQ(verdict.refusal.code, errc::none) << verdict.refusal.message;
  EXPECT_EQ(verdict.target, route::chat);
  EXPECT_FALSE(verdict.expects_continue);
}

TEST(judge_head, serves_a_single_chunked_coding_in_any_case) {
  EXPECT_EQ(judge(post("Transfer-Encoding: chunked\r\n")).refusal.code, errc::none);
  EXPECT_EQ(judge(post("Transfer-Encoding: CHUNKED\r\n")).refusal.code, errc::none);
  EXPECT_EQ(judge(post("Transfer-Encoding: , chunked ,\r\n")).refusal.code, errc::none)
    << "empty list elements do not count (RFC 9110 5.6.1)";
}

TEST(judge_head, refuses_what_beast_lets_through_as_framing) {
  for (const std::string fields : {
         "Transfer-Encoding: gzip\r\n",
         "Transfer-Encoding: xchunked\r\n",
         "Transfer-Encoding: identity\r\n",
         "Transfer-Encoding: chunked, gzip\r\n",
         "Transfer-Encoding: gzip, chunked\r\n",
         "Transfer-Encoding: chunked, chunked\r\n",
         "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
         "Transfer-Encoding: \r\n",
         "Transfer-Encoding: chunked;q=1\r\n",
         "Transfer-Encoding: gzip\r\nContent-Length: 3\r\n",
         "Content-Length: 3, 3\r\n",
         "Content-Length: 3\r\nContent-Length: 3\r\n",
         "Host: second\r\nContent-Length: 0\r\n",
       }) {
    auto verdict = judge(post(fields));
    EXPECT_EQ(verdict.refusal.code, errc::invalid_request) << fields;
    EXPECT_TRUE(verdict.framing) << fields;
  }
}

TEST(judge_head, refuses_transfer_encoding_on_http_1_0_and_a_missing_host_on_http_1_1) {
  auto te_10 = judge(post("Transfer-Encoding: chunked\r\n", "1.0"));
  EXPECT_TRUE(te_10.framing);
  EXPECT_NE(te_10.refusal.message.find("HTTP/1.0"), std::string::npos);
  auto no_host = judge("GET /health HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(no_host.framing);
  EXPECT_NE(no_host.refusal.message.find("Host"), std::string::npos);
  EXPECT_EQ(judge("GET /health HTTP/1.0\r\n\r\n").refusal.code, errc::none)
    << "HTTP/1.0 needs no Host";
}

TEST(judge_head, leaves_to_beast_what_it_refuses_itself) {
  for (const std::string fields : {
         "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
         "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
         "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
         "Content-Length: 3\r\nContent-Length: 4\r\n",
         "Content-Length: +3\r\n",
         "Content-Length: 0x3\r\n",
         "Content-Length: \r\n",
         "Transfer-Encoding : chunked\r\n",
       }) {
    EXPECT_TRUE(parse(post(fields)).error) << "Beast accepted " << fields;
  }
}

TEST(judge_head, asks_for_a_client_key_on_v1_and_on_metrics_when_configured) {
  api_key_set keys;
  keys.add_list("sk-good", "auth.api_keys_env");
  head_policy policy;
  policy.api_keys = &keys;
  auto missing = judge(post("Content-Length: 2\r\n"), policy);
  EXPECT_EQ(missing.refusal.code, errc::invalid_api_key);
  EXPECT_FALSE(missing.framing);
  EXPECT_EQ(judge(post("Authorization: Bearer sk-bad\r\n"), policy).refusal.code,
            errc::invalid_api_key);
  EXPECT_EQ(judge(post("Authorization: Bearer sk-good\r\n"), policy).refusal.code, errc::none);
  EXPECT_EQ(judge("GET /v1/nothing HTTP/1.1\r\nHost: h\r\n\r\n", policy).refusal.code,
            errc::invalid_api_key) << "the key before the route";
  EXPECT_EQ(judge("GET /health HTTP/1.1\r\nHost: h\r\n\r\n", policy).refusal.code, errc::none);
  EXPECT_EQ(judge("GET /ready HTTP/1.1\r\nHost: h\r\n\r\n", policy).refusal.code, errc::none);
  EXPECT_EQ(judge("GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n", policy).refusal.code, errc::none);
  policy.metrics_need_key = true;
  EXPECT_EQ(judge("GET /metrics HTTP/1.1\r\nHost: h\r\n\r\n", policy).refusal.code,
            errc::invalid_api_key);
  EXPECT_EQ(judge("GET /metrics HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer sk-good\r\n\r\n",
                  policy).refusal.code,
            errc::none);
}

TEST(judge_head, asks_for_the_admin_token_on_admin_paths_apart_from_client_keys) {
  api_key_set keys;
  keys.add_list("sk-good", "auth.api_keys_env");
  head_policy policy;
  policy.admin_enabled = true;
  policy.admin_token = "admin-secret";
  policy.api_keys = &keys;
  EXPECT_EQ(judge("GET /admin/pools HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer sk-good\r\n\r\n",
                  policy).refusal.code,
            errc::admin_unauthorized);
  EXPECT_EQ(judge("GET /admin/pools HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer admin-secret\r\n\r\n",
                  policy).refusal.code,
            errc::none);
  EXPECT_EQ(judge(post("Authorization: Bearer admin-secret\r\n"), policy).refusal.code,
            errc::invalid_api_key) << "the admin token is no client key";
}

TEST(judge_head, refuses_unknown_paths_and_wrong_methods) {
  EXPECT_EQ(judge("GET /v2/x HTTP/1.1\r\nHost: h\r\n\r\n").refusal.code, errc::no_route);
  auto wrong = judge("GET /v1/chat/completions HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(wrong.refusal.code, errc::method_not_allowed);
  EXPECT_EQ(wrong.target, route::chat);
  EXPECT_EQ(judge("HEAD /v1/chat/completions HTTP/1.1\r\nHost: h\r\n\r\n").refusal.code,
            errc::method_not_allowed);
  EXPECT_EQ(judge("POST /health HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").refusal.code,
            errc::method_not_allowed);
  EXPECT_EQ(judge("HEAD /v1/models HTTP/1.1\r\nHost: h\r\n\r\n").refusal.code, errc::none);
}

TEST(judge_head, expects_continue_on_http_1_1_and_refuses_other_expectations) {
  EXPECT_TRUE(judge(post("Expect: 100-continue\r\nContent-Length: 2\r\n")).expects_continue);
  EXPECT_TRUE(judge(post("Expect: 100-Continue\r\nContent-Length: 2\r\n")).expects_continue);
  EXPECT_FALSE(judge(post("Expect: 100-continue\r\nContent-Length: 2\r\n", "1.0")).expects_continue)
    << "ignored on HTTP/1.0 (RFC 9110 10.1.1)";
  EXPECT_EQ(judge(post("Expect: 200-ok\r\nContent-Length: 2\r\n")).refusal.code,
            errc::expectation_failed);
  EXPECT_EQ(judge(post("Expect: 100-continue, x\r\nContent-Length: 2\r\n")).refusal.code,
            errc::expectation_failed);
  EXPECT_EQ(judge(post("Expect:\r\nContent-Length: 2\r\n")).refusal.code, errc::expectation_failed);
}

TEST(judge_head, refuses_from_the_head_before_it_would_answer_100_continue) {
  auto wrong_path = judge("POST /v2/x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                          "Content-Length: 5\r\n\r\n");
  EXPECT_EQ(wrong_path.refusal.code, errc::no_route);
  EXPECT_FALSE(wrong_path.expects_continue);
}

} // namespace
} // namespace janus::http
