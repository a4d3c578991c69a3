#include "model/admin.hpp"

#include <gtest/gtest.h>

#include "model/config.hpp"

namespace janus {
namespace {

TEST(admin_scale, parses_either_or_both_fields) {
  auto both = parse_scale_request(R"({"min_warm": 2, "max_containers": 5})");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both.value().min_warm, 2);
  EXPECT_EQ(both.value().max_containers, 5);
  auto one = parse_scale_request(R"({"max_containers": 3})");
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one.value().min_warm.has_value());
}

TEST(admin_scale, refuses_bodies_that_name_nothing_unknown_fields_and_non_numbers) {
  EXPECT_EQ(parse_scale_request("{}").error().message.rfind("body:", 0), 0u);
  EXPECT_EQ(parse_scale_request("nope").error().code, errc::invalid_request);
  EXPECT_EQ(parse_scale_request(R"({"max": 1})").error().message.rfind("max: unknown field", 0), 0u);
  EXPECT_EQ(parse_scale_request(R"({"min_warm": "2"})").error().message,
            "min_warm: must be a whole number");
  EXPECT_EQ(parse_scale_request(R"({"min_warm": 1.5})").error().message,
            "min_warm: must be a whole number");
}

TEST(admin_scale, checks_the_resulting_pair) {
  auto ok = apply_scale({1, 4}, scale_request{std::nullopt, 2});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value().min_warm, 1);
  EXPECT_EQ(ok.value().max_containers, 2);
  EXPECT_EQ(apply_scale({3, 4}, scale_request{std::nullopt, 2}).error().message,
            "min_warm: must be between 0 and max_containers (2), got 3");
  EXPECT_EQ(apply_scale({0, 4}, scale_request{std::nullopt, 0}).error().message,
            "max_containers: must be between 1 and 10000, got 0");
  EXPECT_EQ(apply_scale({0, 4}, scale_request{-1, std::nullopt}).error().message,
            "min_warm: must be between 0 and max_containers (4), got -1");
}

TEST(admin_auth, accepts_only_the_exact_bearer_token) {
  EXPECT_TRUE(bearer_matches("Bearer abc", "abc"));
  EXPECT_TRUE(bearer_matches("bearer abc", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer abd", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer ab", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer abcd", "abc"));
  EXPECT_FALSE(bearer_matches("Basic abc", "abc"));
  EXPECT_FALSE(bearer_matches("", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer ", "")) << "an empty token authorizes nothing";
}

TEST(admin_path, decodes_percent_escapes_of_a_model_name_and_refuses_bad_ones) {
  EXPECT_EQ(decode_path_segment("baseline"), "baseline");
  EXPECT_EQ(decode_path_segment("org%2Fmodel%3av1"), "org/model:v1");
  EXPECT_EQ(decode_path_segment("%41%62"), "Ab");
  EXPECT_EQ(decode_path_segment(""), "");
  EXPECT_FALSE(decode_path_segment("bad%2"));
  EXPECT_FALSE(decode_path_segment("bad%"));
  EXPECT_FALSE(decode_path_segment("bad%zz"));
}

TEST(admin_model, parses_a_model_like_a_config_entry_and_names_the_field) {
  auto model = parse_model_config(
    R"({"name": "extra", "command": ["janus-baseline"], "min_warm": 0, "env": {"A": "1"}})",
    "process", docker_config{});
  EXPECT_EQ(model.name, "extra");
  EXPECT_EQ(model.command, std::vector<std::string>{"janus-baseline"});
  EXPECT_EQ(model.min_warm, 0);
  EXPECT_EQ(model.env.at("A"), "1");
  auto message = [](const std::string& text) {
    try {
      parse_model_config(text, "process", docker_config{});
    } catch (const config_error& error) {
      return std::string{error.what()};
    }
    return std::string{};
  };
  EXPECT_EQ(message(R"({"name": "x", "command": ["b"], "min_warm": 9})"),
            "min_warm: must be between 0 and max_containers (4), got 9");
  EXPECT_EQ(message(R"({"command": ["b"]})").rfind("name:", 0), 0u);
  EXPECT_EQ(message(R"({"name": "x"})"), "command: required for the process runtime");
  EXPECT_EQ(message(R"({"name": "_x", "command": ["b"]})").rfind("name: invalid model name", 0), 0u);
  EXPECT_EQ(message(R"({"name": "x", "command": ["b"], "bogus": 1})").find("bogus"), 0u);
  EXPECT_EQ(message("[1]").rfind("body:", 0), 0u);
}

} // namespace
} // namespace janus
