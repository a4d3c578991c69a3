#include "model/config_reload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "model/model_state.hpp"

namespace janus {
namespace {

config parsed(const std::string& models, const std::string& top = {}) {
  return parse_config(top + "models:\n" + models);
}

std::vector<std::string> names_of(const std::vector<model_config>& models) {
  std::vector<std::string> out;
  for (const auto& model : models) {
    out.push_back(model.name);
  }
  return out;
}

using names = std::vector<std::string>;

const std::string keep = "  keep:\n    command: [janus-baseline]\n";
const std::string change = "  change:\n    command: [janus-baseline]\n    max_containers: 2\n";
const std::string gone = "  gone:\n    command: [janus-baseline]\n";

TEST(plan_model_reload, sorts_models_into_added_changed_removed_and_unchanged) {
  auto running = parsed(keep + change + gone).models;
  auto wanted = parsed("  fresh:\n    command: [janus-baseline]\n" + keep
                       + "  change:\n    command: [janus-baseline]\n    max_containers: 3\n")
                  .models;
  auto plan = plan_model_reload(running, wanted);
  EXPECT_EQ(names_of(plan.added), names{"fresh"});
  ASSERT_EQ(names_of(plan.changed), names{"change"});
  EXPECT_EQ(plan.changed[0].max_containers, 3) << "a changed model carries its new settings";
  EXPECT_EQ(plan.removed, names{"gone"});
  EXPECT_EQ(plan.unchanged, names{"keep"});
  EXPECT_FALSE(plan.empty());
}

TEST(plan_model_reload, the_same_file_changes_nothing) {
  auto running = parsed(keep + change + gone).models;
  auto plan = plan_model_reload(running, parsed(keep + change + gone).models);
  EXPECT_TRUE(plan.empty());
  EXPECT_EQ(plan.unchanged, (names{"keep", "change", "gone"}));
}

TEST(plan_model_reload, compares_parsed_settings_not_text) {
  // 30s and 30000ms, the order of keys, a default written out: the same settings.
  auto running =
    parsed("  m:\n    command: [janus-baseline]\n    startup_timeout: 30s\n    min_warm: 1\n")
      .models;
  auto wanted =
    parsed("  m:\n    min_warm: 1\n    startup_timeout: 30000ms\n    command: [\"janus-baseline\"]\n"
           "    max_containers: 4\n")
      .models;
  EXPECT_TRUE(plan_model_reload(running, wanted).empty());
}

TEST(plan_model_reload, any_field_that_differs_makes_a_model_changed) {
  auto base = "  m:\n    command: [janus-baseline]\n";
  auto running = parsed(base).models;
  for (std::string extra :
       {"    env: {A: \"1\"}\n", "    max_concurrency: 2\n", "    idle_ttl: 1m\n",
        "    health:\n      path: /ready\n", "    resources:\n      pids_limit: 10\n",
        "    first_byte_timeout: 5s\n", "    max_paused: 1\n", "    prepare_ahead: 0\n"}) {
    auto plan = plan_model_reload(running, parsed(base + extra).models);
    EXPECT_EQ(names_of(plan.changed), names{"m"}) << extra;
    EXPECT_TRUE(plan.unchanged.empty()) << extra;
  }
  auto command = plan_model_reload(running, parsed("  m:\n    command: [janus-baseline, -v]\n").models);
  EXPECT_EQ(names_of(command.changed), names{"m"});
}

TEST(plan_model_reload, a_registry_applied_on_top_keeps_models_added_and_scaled_at_run_time) {
  // What runs: the file's models with the registry's changes, as at start.
  auto file = parsed(keep + change, "admin:\n  token: t\n  limits:\n    allow_command: true\n");
  model_changes changes;
  changes.added["extra"] = "name: extra\ncommand: [janus-baseline]\n";
  changes.scaled["keep"] = pool_size{0, 3};
  auto running = file;
  apply_model_changes(running, changes);
  // The file read again changes `change` only; the same function gives what is wanted.
  auto loaded = parsed(keep + "  change:\n    command: [janus-baseline]\n    max_containers: 1\n",
                       "admin:\n  token: t\n  limits:\n    allow_command: true\n");
  apply_model_changes(loaded, changes);
  auto plan = plan_model_reload(running.models, loaded.models);
  EXPECT_EQ(names_of(plan.changed), names{"change"});
  EXPECT_TRUE(plan.added.empty());
  EXPECT_TRUE(plan.removed.empty());
  std::sort(plan.unchanged.begin(), plan.unchanged.end());
  EXPECT_EQ(plan.unchanged, (names{"extra", "keep"})) << "the scale and the added model hold";
}

TEST(keys_needing_restart, names_each_key_that_differs_outside_models) {
  auto running = parsed(keep);
  auto loaded = parsed(keep + change,
                       "server:\n  listen: 127.0.0.1:9999\n  max_body_bytes: 1KiB\n"
                       "log:\n  format: json\nadmin:\n  token: x\n  limits:\n    max_cpus: 0.5\n"
                       "engine:\n  pool_restart_limit: 2\n");
  EXPECT_EQ(keys_needing_restart(running, loaded),
            (names{"server.listen", "server.max_body_bytes", "log.format", "admin.token",
                   "admin.limits.max_cpus", "engine.pool_restart_limit"}));
}

TEST(keys_needing_restart, names_the_pull_sandbox_and_fallback_keys_too) {
  auto running = parsed(keep);
  auto loaded = parsed(keep, "docker:\n  pull_timeout: 1m\n  max_image_pools: 2\n"
                             "admin:\n  limits:\n    allow_fallback: true\n"
                             "sandbox:\n  max_sandboxes: 3\n");
  EXPECT_EQ(keys_needing_restart(running, loaded),
            (names{"docker.pull_timeout", "docker.max_image_pools", "admin.limits.allow_fallback",
                   "sandbox.max_sandboxes"}));
}

TEST(keys_needing_restart, none_when_only_models_change) {
  auto running = parsed(keep, "server:\n  threads: 2\n");
  auto loaded = parsed(change, "server:\n  threads: 2\n");
  EXPECT_TRUE(keys_needing_restart(running, loaded).empty());
}

TEST(parse_config, reads_models_under_given_settings_when_asked) {
  // The file switches to docker; a reload reads its models under the running process runtime.
  model_context running{"process", docker_config{}};
  auto cfg = parse_config("runtime: docker\nmodels:\n  m:\n    command: [janus-baseline]\n",
                          &running);
  EXPECT_EQ(cfg.runtime, "docker");
  ASSERT_EQ(cfg.models.size(), 1u);
  EXPECT_EQ(cfg.models[0].command, names{"janus-baseline"});
  EXPECT_THROW(parse_config("runtime: docker\nmodels:\n  m:\n    command: [janus-baseline]\n"),
               config_error)
    << "under its own runtime the model lacks an image";
}

TEST(model_registry_file, held_in_memory_it_records_changes_and_writes_nothing) {
  model_registry_file memory;
  EXPECT_TRUE(memory.path().empty());
  EXPECT_FALSE(memory.record_add("x", "name: x\ncommand: [janus-baseline]\n").has_value());
  EXPECT_FALSE(memory.record_remove("a").has_value());
  EXPECT_FALSE(memory.record_scale("x", pool_size{0, 2}).has_value());
  auto changes = memory.changes();
  EXPECT_EQ(changes.added.count("x"), 1u);
  EXPECT_EQ(changes.removed.count("a"), 1u);
  EXPECT_EQ(changes.scaled.count("x"), 1u);
}

} // namespace
} // namespace janus
