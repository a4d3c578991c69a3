#include "model/model_state.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace janus {
namespace {

namespace fs = std::filesystem;

config two_models() {
  return parse_config("admin:\n  token: t\n  limits:\n    allow_command: true\nmodels:\n"
                      "  a:\n    command: [janus-baseline]\n"
                      "  b:\n    command: [janus-baseline]\n    max_containers: 2\n");
}

std::vector<std::string> names_of(const config& cfg) {
  std::vector<std::string> out;
  for (const auto& model : cfg.models) {
    out.push_back(model.name);
  }
  return out;
}

class model_registry_file_test : public ::testing::Test {
protected:
  model_registry_file_test() {
    char tmpl[] = "/tmp/janus-registry-XXXXXX";
    base_ = ::mkdtemp(tmpl);
    dir_ = base_ + "/state";
  }
  ~model_registry_file_test() override {
    std::error_code ignored;
    fs::remove_all(base_, ignored);
  }

  std::string text() const {
    std::ifstream file{dir_ + "/models.yaml"};
    return {std::istreambuf_iterator<char>{file}, {}};
  }

  std::string base_;
  std::string dir_;
};

TEST(model_changes, render_and_parse_give_the_same_changes) {
  model_changes changes;
  changes.added["m2"] = R"({"name": "m2", "command": ["janus-baseline"], "env": {"K": "a: b #c"}})";
  changes.removed = {"b"};
  changes.scaled["a"] = pool_size{2, 6};
  auto text = render_model_changes(changes);
  auto back = parse_model_changes(text, "f", 32);
  EXPECT_EQ(back.removed, changes.removed);
  ASSERT_EQ(back.scaled.count("a"), 1u);
  EXPECT_EQ(back.scaled["a"].min_warm, 2);
  EXPECT_EQ(back.scaled["a"].max_containers, 6);
  ASSERT_EQ(back.added.count("m2"), 1u);
  auto model = parse_model_config(back.added["m2"], "process", docker_config{}, 32);
  EXPECT_EQ(model.env.at("K"), "a: b #c") << "values keep their characters: " << text;
  EXPECT_NE(text.find("# janusd's model registry"), std::string::npos) << text;
}

TEST(model_changes, a_file_that_is_not_a_registry_is_an_error_naming_the_file_and_the_key) {
  auto error_of = [](const std::string& text) {
    try {
      parse_model_changes(text, "/s/models.yaml", 32);
    } catch (const config_error& error) {
      return std::string{error.what()};
    }
    return std::string{"<no error>"};
  };
  EXPECT_EQ(error_of("version: 2\n"), "/s/models.yaml: version: expected 1");
  EXPECT_EQ(error_of("version: 1\nadded: {}\n"), "/s/models.yaml: added: expected a list of models");
  EXPECT_EQ(error_of("version: 1\nextra: 1\n"),
            "/s/models.yaml: unknown key extra (expected version, added, removed, scaled)");
  EXPECT_EQ(error_of("version: 1\nscaled:\n  a: {min_warm: x, max_containers: 2}\n"),
            "/s/models.yaml: scaled.a.min_warm: expected a whole number");
  EXPECT_EQ(error_of("version: 1\nadded: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n")
              .rfind("/s/models.yaml: nested deeper than 32 levels", 0),
            0u);
  EXPECT_EQ(error_of("version: [1\n").rfind("/s/models.yaml: not valid YAML", 0), 0u);
  EXPECT_EQ(error_of(""), "<no error>") << "an empty file holds no changes";
}

TEST(model_changes, applying_removes_adds_and_scales_and_leaves_out_what_no_longer_fits) {
  auto cfg = two_models();
  model_changes changes;
  changes.removed = {"b", "gone"};
  changes.added["c"] = R"({"name": "c", "command": ["janus-baseline"], "min_warm": 0})";
  changes.added["a"] = R"({"name": "a", "command": ["janus-baseline"]})";
  changes.added["bad"] = R"({"name": "bad", "command": ["janus-baseline"], "min_warm": -1})";
  changes.scaled["a"] = pool_size{3, 5};
  changes.scaled["nobody"] = pool_size{1, 1};
  auto notes = apply_model_changes(cfg, changes);
  EXPECT_EQ(names_of(cfg), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(cfg.models[0].min_warm, 3);
  EXPECT_EQ(cfg.models[0].max_containers, 5);
  EXPECT_EQ(cfg.models[1].min_warm, 0);
  ASSERT_EQ(notes.size(), 4u);
  EXPECT_EQ(notes[0], "removed model gone is not in the config file any more");
  EXPECT_EQ(notes[1], "added model a is left out: the config file has a model of that name now");
  EXPECT_EQ(notes[2].rfind("added model bad is left out: min_warm", 0), 0u) << notes[2];
  EXPECT_EQ(notes[3], "the scale of model nobody is left out: no such model");
}

TEST_F(model_registry_file_test, changes_are_on_disk_after_each_call_and_read_back_by_a_new_one) {
  {
    model_registry_file registry{dir_, 32};
    EXPECT_TRUE(registry.changes().empty()) << "no file yet: no changes";
    struct stat made {};
    ASSERT_EQ(::stat(dir_.c_str(), &made), 0) << "the directory is made";
    EXPECT_EQ(made.st_mode & 0777, 0700u);
    EXPECT_FALSE(registry.record_add("c", "name: c\ncommand: [janus-baseline]\n"));
    EXPECT_NE(text().find("name: c"), std::string::npos) << text();
    EXPECT_FALSE(registry.record_remove("b"));
    EXPECT_FALSE(registry.record_scale("a", pool_size{2, 4}));
    EXPECT_FALSE(registry.record_add("d", "{\"name\": \"d\", \"command\": [\"x\"]}"));
    EXPECT_FALSE(registry.record_remove("d")) << "an added model removed is forgotten";
    struct stat file {};
    ASSERT_EQ(::stat((dir_ + "/models.yaml").c_str(), &file), 0);
    EXPECT_EQ(file.st_mode & 0777, 0600u) << "models' env may hold credentials";
    EXPECT_FALSE(fs::exists(dir_ + "/models.yaml.new"));
  }
  model_registry_file again{dir_, 32};
  auto changes = again.changes();
  EXPECT_EQ(changes.added.size(), 1u);
  EXPECT_EQ(changes.added.count("c"), 1u);
  EXPECT_EQ(changes.removed, (std::set<std::string>{"b"}));
  EXPECT_EQ(changes.scaled.at("a").max_containers, 4);
}

TEST_F(model_registry_file_test, a_broken_file_stops_the_start_naming_admin_state_dir) {
  fs::create_directories(dir_);
  std::ofstream{dir_ + "/models.yaml"} << "version: 1\nadded: nope\n";
  try {
    model_registry_file registry{dir_, 32};
    FAIL() << "a broken registry was read";
  } catch (const config_error& error) {
    EXPECT_EQ(std::string{error.what()},
              "admin.state_dir: " + dir_ + "/models.yaml: added: expected a list of models");
  }
}

TEST_F(model_registry_file_test, a_write_that_fails_says_why_and_the_change_is_kept) {
  model_registry_file registry{dir_, 32};
  fs::remove_all(dir_);
  auto failed = registry.record_scale("a", pool_size{1, 2});
  ASSERT_TRUE(failed);
  EXPECT_NE(failed->message.find("the model registry was not written: cannot open"),
            std::string::npos)
    << failed->message;
  EXPECT_EQ(registry.changes().scaled.count("a"), 1u);
}

} // namespace
} // namespace janus
