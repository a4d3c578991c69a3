#include "model/model_state.hpp"

#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "model/yaml_depth.hpp"

namespace janus {

namespace {

constexpr int registry_version = 1;
constexpr const char* registry_file = "models.yaml";
/// A registry is small (a few KiB a model): a bigger file is not one.
constexpr std::size_t max_registry_bytes = std::size_t{16} << 20;

[[noreturn]] void refuse(const std::string& where, const std::string& what) {
  throw config_error(where + ": " + what);
}

YAML::Node load_bounded(const std::string& text, const std::string& where, int max_depth) {
  if (auto excess = find_excess_nesting(text, max_depth)) {
    refuse(where, "nested deeper than " + std::to_string(max_depth) + " levels at line "
                    + std::to_string(excess->line));
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& error) {
    refuse(where, "not valid YAML: " + error.msg);
  }
}

int whole_number(const YAML::Node& node, const std::string& where) {
  try {
    return node.as<int>();
  } catch (const YAML::Exception&) {
    refuse(where, "expected a whole number");
  }
}

std::string syscall_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

} // namespace

std::string render_model_changes(const model_changes& changes) {
  YAML::Emitter out;
  out << YAML::Comment("janusd's model registry: what the admin API changed of the models of "
                       "the config file.\nWritten by janusd on every change and read when it "
                       "starts (docs/operations.md).\nStop janusd before editing it.");
  out << YAML::BeginMap;
  out << YAML::Key << "version" << YAML::Value << registry_version;
  out << YAML::Key << "added" << YAML::Value << YAML::BeginSeq;
  for (const auto& [name, body] : changes.added) {
    // Bodies were read once already (the admin API's depth limit): they load again.
    out << YAML::Load(body);
  }
  out << YAML::EndSeq;
  out << YAML::Key << "removed" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& name : changes.removed) {
    out << name;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "scaled" << YAML::Value << YAML::BeginMap;
  for (const auto& [name, size] : changes.scaled) {
    out << YAML::Key << name << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key
        << "min_warm" << YAML::Value << size.min_warm << YAML::Key << "max_containers"
        << YAML::Value << size.max_containers << YAML::EndMap;
  }
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string{out.c_str()} + "\n";
}

model_changes parse_model_changes(const std::string& text, const std::string& where,
                                  int max_depth) {
  auto root = load_bounded(text, where, max_depth);
  model_changes out;
  if (root.IsNull()) {
    return out;
  }
  if (!root.IsMap()) {
    refuse(where, "expected a mapping with version, added, removed and scaled");
  }
  for (const auto& entry : root) {
    auto key = entry.first.as<std::string>();
    if (key != "version" && key != "added" && key != "removed" && key != "scaled") {
      refuse(where, "unknown key " + key + " (expected version, added, removed, scaled)");
    }
  }
  if (!root["version"] || whole_number(root["version"], where + ": version") != registry_version) {
    refuse(where, "version: expected " + std::to_string(registry_version));
  }
  if (const auto& added = root["added"]; added && !added.IsNull()) {
    if (!added.IsSequence()) {
      refuse(where, "added: expected a list of models");
    }
    for (const auto& model : added) {
      if (!model.IsMap() || !model["name"] || !model["name"].IsScalar()) {
        refuse(where, "added: each entry is a model with its name");
      }
      YAML::Emitter body;
      body << model;
      out.added[model["name"].as<std::string>()] = body.c_str();
    }
  }
  if (const auto& removed = root["removed"]; removed && !removed.IsNull()) {
    if (!removed.IsSequence()) {
      refuse(where, "removed: expected a list of model names");
    }
    for (const auto& name : removed) {
      if (!name.IsScalar()) {
        refuse(where, "removed: expected a list of model names");
      }
      out.removed.insert(name.as<std::string>());
    }
  }
  if (const auto& scaled = root["scaled"]; scaled && !scaled.IsNull()) {
    if (!scaled.IsMap()) {
      refuse(where, "scaled: expected model: {min_warm, max_containers}");
    }
    for (const auto& entry : scaled) {
      auto name = entry.first.as<std::string>();
      const auto& size = entry.second;
      auto at = where + ": scaled." + name;
      if (!size.IsMap() || !size["min_warm"] || !size["max_containers"] || size.size() != 2) {
        refuse(at, "expected {min_warm, max_containers}");
      }
      out.scaled[name] = pool_size{whole_number(size["min_warm"], at + ".min_warm"),
                                   whole_number(size["max_containers"], at + ".max_containers")};
    }
  }
  return out;
}

std::vector<std::string> apply_model_changes(config& cfg, const model_changes& changes) {
  std::vector<std::string> notes;
  auto& models = cfg.models;
  auto find = [&models](const std::string& name) {
    return std::find_if(models.begin(), models.end(),
                        [&name](const model_config& model) { return model.name == name; });
  };
  for (const auto& name : changes.removed) {
    auto it = find(name);
    if (it == models.end()) {
      notes.push_back("removed model " + name + " is not in the config file any more");
      continue;
    }
    models.erase(it);
  }
  for (const auto& [name, body] : changes.added) {
    if (find(name) != models.end()) {
      notes.push_back("added model " + name
                      + " is left out: the config file has a model of that name now");
      continue;
    }
    try {
      auto model = parse_model_config(body, cfg.runtime, cfg.docker, cfg.server.max_json_depth);
      if (auto violation = check_admin_limits(model, cfg.admin.limits)) {
        notes.push_back("added model " + name + " is left out: " + violation->message);
        continue;
      }
      models.push_back(std::move(model));
    } catch (const config_error& error) {
      notes.push_back("added model " + name + " is left out: " + error.what());
    }
  }
  for (const auto& [name, size] : changes.scaled) {
    auto it = find(name);
    if (it == models.end()) {
      notes.push_back("the scale of model " + name + " is left out: no such model");
      continue;
    }
    scale_request change{size.min_warm, size.max_containers};
    auto applied = apply_scale(pool_size{it->min_warm, it->max_containers}, change);
    if (!applied) {
      notes.push_back("the scale of model " + name + " is left out: " + applied.error().message);
      continue;
    }
    it->min_warm = applied.value().min_warm;
    it->max_containers = applied.value().max_containers;
  }
  return notes;
}

model_registry_file::model_registry_file(std::string dir, int max_depth)
  : dir_(std::move(dir)), path_(dir_ + "/" + registry_file) {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    refuse("admin.state_dir", syscall_error("cannot make the directory", dir_));
  }
  std::ifstream file{path_, std::ios::binary};
  if (!file) {
    if (errno == ENOENT) {
      return;
    }
    refuse("admin.state_dir", syscall_error("cannot read", path_));
  }
  std::string text;
  char buffer[8192];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(file.gcount()));
    if (text.size() > max_registry_bytes) {
      refuse("admin.state_dir", path_ + ": larger than 16 MiB, not a model registry");
    }
  }
  changes_ = parse_model_changes(text, "admin.state_dir: " + path_, max_depth);
}

model_changes model_registry_file::changes() const {
  std::lock_guard lock{mutex_};
  return changes_;
}

std::optional<error_info> model_registry_file::record_add(const std::string& name,
                                                          const std::string& body) {
  std::lock_guard lock{mutex_};
  changes_.added[name] = body;
  changes_.scaled.erase(name);
  return write_locked();
}

std::optional<error_info> model_registry_file::record_remove(const std::string& name) {
  std::lock_guard lock{mutex_};
  if (changes_.added.erase(name) == 0) {
    changes_.removed.insert(name);
  }
  changes_.scaled.erase(name);
  return write_locked();
}

std::optional<error_info> model_registry_file::record_scale(const std::string& name,
                                                            pool_size size) {
  std::lock_guard lock{mutex_};
  changes_.scaled[name] = size;
  return write_locked();
}

std::optional<error_info> model_registry_file::write_locked() {
  if (dir_.empty()) {
    return std::nullopt; // held in memory only
  }
  auto text = render_model_changes(changes_);
  auto fresh = path_ + ".new";
  auto failed = [](std::string why) {
    return error_info{errc::internal, "the model registry was not written: " + why};
  };
  // 0600: models' env may hold credentials.
  int fd = ::open(fresh.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return failed(syscall_error("cannot open", fresh));
  }
  std::size_t written = 0;
  while (written < text.size()) {
    auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      auto why = syscall_error("cannot write", fresh);
      ::close(fd);
      ::unlink(fresh.c_str());
      return failed(why);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto why = syscall_error("cannot sync", fresh);
    ::close(fd);
    ::unlink(fresh.c_str());
    return failed(why);
  }
  ::close(fd);
  if (::rename(fresh.c_str(), path_.c_str()) != 0) {
    auto why = syscall_error("cannot rename it to", path_);
    ::unlink(fresh.c_str());
    return failed(why);
  }
  // The rename itself lasts once the directory is synced.
  if (int dir = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return std::nullopt;
}

} // namespace janus
