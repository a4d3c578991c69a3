#include "http/error_response.hpp"

#include <boost/beast/http/error.hpp>

#include <gtest/gtest.h>

#include <string>

#include "http/replies.hpp"

namespace janus::http {
namespace {

namespace bhttp = boost::beast::http;

struct expected_mapping {
  errc code;
  unsigned status;
  std::string_view type;
  std::string_view name;
};

TEST(make_error_response, maps_the_edges_refusals_to_their_status_type_and_code) {
  for (const auto& want : {
         expected_mapping{errc::no_route, 404, "invalid_request_error", "not_found"},
         expected_mapping{errc::method_not_allowed, 405, "invalid_request_error", "method_not_allowed"},
         expected_mapping{errc::request_timeout, 408, "invalid_request_error", "request_timeout"},
         expected_mapping{errc::expectation_failed, 417, "invalid_request_error", "expectation_failed"},
         expected_mapping{errc::headers_too_large, 431, "invalid_request_error", "headers_too_large"},
         expected_mapping{errc::invalid_api_key, 401, "invalid_request_error", "invalid_api_key"},
         expected_mapping{errc::admin_unauthorized, 401, "invalid_request_error", "unauthorized"},
         expected_mapping{errc::too_many_connections, 503, "server_error", "too_many_connections"},
       }) {
    auto rendered = make_error_response({want.code, "m"});
    EXPECT_EQ(static_cast<unsigned>(rendered.status), want.status) << want.name;
    EXPECT_EQ(rendered.type, want.type) << want.name;
    EXPECT_NE(rendered.body.find("\"code\":\"" + std::string{want.name} + "\""), std::string::npos)
      << rendered.body;
  }
}

TEST(make_error_response, answers_janusds_own_overload_with_503_and_retry_after) {
  auto rendered = make_error_response({errc::engine_overloaded, "out of file descriptors"});
  EXPECT_EQ(static_cast<unsigned>(rendered.status), 503u);
  EXPECT_EQ(rendered.type, "server_error");
  EXPECT_EQ(rendered.retry_after, 1);
  EXPECT_NE(rendered.body.find(R"("code":"engine_overloaded")"), std::string::npos) << rendered.body;
}

TEST(make_error_response, a_model_that_fails_the_conformance_check_is_a_422) {
  auto rendered = make_error_response({errc::not_conforming, "fails stream (no [DONE])"});
  EXPECT_EQ(static_cast<unsigned>(rendered.status), 422u);
  EXPECT_EQ(rendered.type, "invalid_request_error");
  EXPECT_EQ(rendered.retry_after, 0);
  EXPECT_NE(rendered.body.find(R"("code":"conformance_failed")"), std::string::npos)
    << rendered.body;
  EXPECT_NE(rendered.body.find("fails stream (no [DONE])"), std::string::npos) << rendered.body;
}

TEST(make_error_response, challenges_with_bearer_on_401_only) {
  EXPECT_EQ(make_error_response({errc::invalid_api_key, "m"}).www_authenticate, "Bearer");
  EXPECT_EQ(make_error_response({errc::admin_unauthorized, "m"}).www_authenticate, "Bearer");
  EXPECT_EQ(make_error_response({errc::no_route, "m"}).www_authenticate, "");
  EXPECT_EQ(make_error_response({errc::too_many_connections, "m"}).retry_after, 1);
}

TEST(replies, carry_the_challenge_and_allow_without_patching_a_status) {
  auto unauthorized = error_reply({errc::invalid_api_key, "no key"});
  EXPECT_EQ(unauthorized.status, 401u);
  EXPECT_EQ(unauthorized.www_authenticate, "Bearer");
  auto wrong_method = method_not_allowed("GET, HEAD", "/health");
  EXPECT_EQ(wrong_method.status, 405u);
  EXPECT_EQ(wrong_method.allow, "GET, HEAD");
  EXPECT_EQ(no_route("/x").status, 404u);
  auto too_big = answer_to_read_error(bhttp::error::header_limit, 16384, 1024);
  ASSERT_TRUE(too_big.has_value());
  EXPECT_EQ(too_big->status, 431u);
  EXPECT_NE(too_big->body.find(R"("code":"headers_too_large")"), std::string::npos);
}

} // namespace
} // namespace janus::http
