#include "model/admin.hpp"

#include <gtest/gtest.h>

#include "model/config.hpp"

namespace janus {
namespace {

/// The default of server.max_json_depth.
constexpr int depth = 128;

TEST(admin_scale, parses_either_or_both_fields) {
  auto both = parse_scale_request(R"({"min_warm": 2, "max_containers": 5})", depth);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both.value().min_warm, 2);
  EXPECT_EQ(both.value().max_containers, 5);
  auto one = parse_scale_request(R"({"max_containers": 3})", depth);
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one.value().min_warm.has_value());
}

TEST(admin_scale, refuses_bodies_that_name_nothing_unknown_fields_and_non_numbers) {
  EXPECT_EQ(parse_scale_request("{}", depth).error().message.rfind("body:", 0), 0u);
  EXPECT_EQ(parse_scale_request("nope", depth).error().code, errc::invalid_request);
  EXPECT_EQ(parse_scale_request(R"({"max": 1})", depth).error().message.rfind("max: unknown field", 0), 0u);
  EXPECT_EQ(parse_scale_request(R"({"min_warm": "2"})", depth).error().message,
            "min_warm: must be a whole number");
  EXPECT_EQ(parse_scale_request(R"({"min_warm": 1.5})", depth).error().message,
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
    "process", docker_config{}, depth);
  EXPECT_EQ(model.name, "extra");
  EXPECT_EQ(model.command, std::vector<std::string>{"janus-baseline"});
  EXPECT_EQ(model.min_warm, 0);
  EXPECT_EQ(model.env.at("A"), "1");
  auto message = [](const std::string& text) {
    try {
      parse_model_config(text, "process", docker_config{}, depth);
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

TEST(admin_scale, a_body_nested_past_the_limit_is_refused_naming_it_and_a_field_given_twice_too) {
  auto nested = [](int levels) {
    return R"({"min_warm": 1, "x": )" + std::string(levels - 1, '[') + std::string(levels - 1, ']')
           + "}";
  };
  EXPECT_EQ(parse_scale_request(nested(4), 4).error().message,
            "x: unknown field (expected min_warm or max_containers)")
    << "at the limit the body is read";
  EXPECT_EQ(parse_scale_request(nested(5), 4).error().message,
            "body: nested deeper than server.max_json_depth (4 levels)");
  auto killer = R"({"min_warm": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(parse_scale_request(killer, depth).error().message,
            "body: nested deeper than server.max_json_depth (128 levels)");
  EXPECT_EQ(parse_scale_request(R"({"min_warm": 1, "min_warm": 2})", depth).error().message,
            "min_warm: given more than once");
  EXPECT_EQ(parse_scale_request(R"({"min_warm": 1} {})", depth).error().message.rfind("body:", 0),
            0u)
    << "data after the object";
}

TEST(admin_path, a_segment_that_decodes_to_invalid_utf8_is_refused) {
  EXPECT_FALSE(decode_path_segment("m%FF"));
  EXPECT_FALSE(decode_path_segment("m%C3"));
  EXPECT_FALSE(decode_path_segment("%ED%A0%80")) << "a surrogate";
  EXPECT_EQ(decode_path_segment("mod%C3%A8le"), "mod\xc3\xa8le");
}

/// The message parse_model_config throws for `text`, "" when it accepts it.
std::string model_error(const std::string& text, int max_depth = depth) {
  try {
    parse_model_config(text, "process", docker_config{}, max_depth);
  } catch (const config_error& error) {
    return error.what();
  }
  return {};
}

TEST(admin_model, a_body_nested_past_the_limit_is_refused_with_the_limit_and_where_it_passed) {
  const std::string flat = R"({"name": "x", "command": ["b"], "env": {"A": "1"}})";
  EXPECT_EQ(model_error(flat, 2), "") << "the body's mapping and env (or command) are 2 levels";
  EXPECT_EQ(model_error(flat, 1),
            "body: nested deeper than server.max_json_depth (1 levels) at line 1, column 26");
  // JSON flow and YAML block nesting count alike.
  auto deep_json = R"({"name": "x", "command": ["b"], "env": )" + std::string(200, '[')
                   + std::string(200, ']') + "}";
  EXPECT_EQ(model_error(deep_json).rfind("body: nested deeper than server.max_json_depth (128 "
                                         "levels) at line 1, column ",
                                         0),
            0u)
    << model_error(deep_json);
  std::string deep_yaml = "name: x\ncommand: [b]\nenv:\n";
  for (int level = 1; level < 200; ++level) {
    deep_yaml += std::string(2 * level, ' ') + "k:\n";
  }
  EXPECT_EQ(model_error(deep_yaml),
            "body: nested deeper than server.max_json_depth (128 levels) at line 131, column 257");
}

// -- admin.limits ------------------------------------------------------------------------------

/// A model as an admin might add it for the docker runtime, within the default ceilings.
model_config added_model() {
  model_config model;
  model.name = "miner-42";
  model.image = "janus-baseline:latest";
  model.min_warm = 1;
  model.max_containers = 2;
  return model;
}

std::string violation_of(const model_config& model, const admin_limits& limits = {}) {
  auto found = check_admin_limits(model, limits);
  if (!found) {
    return {};
  }
  EXPECT_EQ(found->code, errc::invalid_request);
  return found->message;
}

TEST(admin_limits, a_model_with_the_default_settings_keeps_within_the_default_ceilings) {
  EXPECT_EQ(violation_of(added_model()), "");
  model_config defaults;
  defaults.name = "d";
  defaults.image = "x";
  EXPECT_EQ(violation_of(defaults), "");
}

TEST(admin_limits, each_loosened_resource_is_refused_naming_the_field_and_the_ceiling) {
  auto model = added_model();
  model.resources.memory = std::size_t{2} << 30;
  EXPECT_EQ(violation_of(model), "resources.memory: 2 GiB is above admin.limits.max_memory (1 GiB)");
  model = added_model();
  model.resources.cpus = 2.5;
  EXPECT_EQ(violation_of(model), "resources.cpus: 2.5 is above admin.limits.max_cpus (1)");
  model = added_model();
  model.resources.pids_limit = 4096;
  EXPECT_EQ(violation_of(model),
            "resources.pids_limit: 4096 is above admin.limits.max_pids_limit (256)");
  model = added_model();
  model.resources.read_only = false;
  EXPECT_EQ(violation_of(model),
            "resources.read_only: must be true: admin.limits.require_read_only is set");
  model = added_model();
  model.resources.tmpfs_size = std::size_t{96} << 20;
  EXPECT_EQ(violation_of(model),
            "resources.tmpfs_size: 96 MiB is above admin.limits.max_tmpfs_size (64 MiB)");
}

TEST(admin_limits, pool_sizes_above_the_ceilings_are_refused) {
  auto model = added_model();
  model.max_containers = 5;
  EXPECT_EQ(violation_of(model), "max_containers: 5 is above admin.limits.max_containers (4)");
  model = added_model();
  model.min_warm = 2;
  EXPECT_EQ(violation_of(model), "min_warm: 2 is above admin.limits.max_min_warm (1)");
  model = added_model();
  model.max_concurrency = 17;
  EXPECT_EQ(violation_of(model), "max_concurrency: 17 is above admin.limits.max_concurrency (16)");
}

TEST(admin_limits, a_command_needs_allow_command) {
  auto model = added_model();
  model.command = {"janus-baseline"};
  EXPECT_EQ(violation_of(model), "command: not allowed for a model added through the admin API "
                                 "(admin.limits.allow_command is false)");
  admin_limits allowing;
  allowing.allow_command = true;
  EXPECT_EQ(violation_of(model, allowing), "");
}

TEST(admin_limits, images_must_start_with_an_allowed_prefix_when_prefixes_are_given) {
  admin_limits limits;
  limits.allowed_images = {"registry.local/miners/", "janus-"};
  EXPECT_EQ(violation_of(added_model(), limits), "");
  auto model = added_model();
  model.image = "docker:dind";
  EXPECT_EQ(violation_of(model, limits),
            "image: `docker:dind` does not start with a prefix of admin.limits.allowed_images "
            "(registry.local/miners/, janus-)");
  EXPECT_EQ(violation_of(model), "") << "no prefixes: any image present in the engine";
}

TEST(admin_limits, denied_environment_variables_are_refused_by_name_and_by_prefix) {
  auto model = added_model();
  model.env = {{"JANUS_BASELINE_TOKENS", "16"}};
  EXPECT_EQ(violation_of(model), "") << "the model's own JANUS_* settings are fine";
  model.env = {{"JANUS_LLM_API_KEY", "mine"}};
  EXPECT_EQ(violation_of(model), "env.JANUS_LLM_API_KEY: may not be set by a model added through "
                                 "the admin API (admin.limits.denied_env: JANUS_LLM_API_KEY)");
  model.env = {{"LD_PRELOAD", "/tmp/x.so"}};
  EXPECT_EQ(violation_of(model), "env.LD_PRELOAD: may not be set by a model added through the "
                                 "admin API (admin.limits.denied_env: LD_*)");
  admin_limits none;
  none.denied_env.clear();
  EXPECT_EQ(violation_of(model, none), "");
}

TEST(admin_limits, raised_ceilings_let_the_same_model_through) {
  admin_limits raised;
  raised.max_memory = std::size_t{4} << 30;
  raised.max_cpus = 4;
  auto model = added_model();
  model.resources.memory = std::size_t{2} << 30;
  model.resources.cpus = 2;
  EXPECT_EQ(violation_of(model, raised), "");
}

TEST(admin_limits, scaling_an_added_model_is_held_to_the_same_ceilings) {
  admin_limits limits;
  EXPECT_FALSE(check_scale_limits(scale_request{1, 4}, limits));
  EXPECT_EQ(check_scale_limits(scale_request{std::nullopt, 5}, limits)->message,
            "max_containers: 5 is above admin.limits.max_containers (4)");
  EXPECT_EQ(check_scale_limits(scale_request{3, std::nullopt}, limits)->message,
            "min_warm: 3 is above admin.limits.max_min_warm (1)");
}

TEST(admin_limits, sizes_are_written_in_the_largest_whole_binary_unit) {
  EXPECT_EQ(format_size(std::size_t{1} << 30), "1 GiB");
  EXPECT_EQ(format_size(std::size_t{1536} << 20), "1536 MiB");
  EXPECT_EQ(format_size(6 * 1024 + 0), "6 KiB");
  EXPECT_EQ(format_size(1000), "1000 B");
}

} // namespace
} // namespace janus
