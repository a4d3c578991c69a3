#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/admin.hpp"
#include "model/config.hpp"
#include "model/result.hpp"

/// The model registry that outlasts janusd: what the admin API changed of the configured models
/// (added, removed, scaled), kept in `admin.state_dir` and applied to the config at the next
/// start. The file is YAML a person can read (docs/operations.md, "The model registry").
namespace janus {

/// What the admin API changed of the models of the config file.
struct model_changes {
  /// Models added at run time, by name: the admin body they were added with (YAML or JSON).
  std::map<std::string, std::string> added;
  /// Models of the config file removed at run time.
  std::set<std::string> removed;
  /// Pool sizes set by a scale, by model (of the config file or added).
  std::map<std::string, pool_size> scaled;

  bool empty() const noexcept {
    return added.empty() && removed.empty() && scaled.empty();
  }
};

/// The registry file's text: a comment saying what it is, then `version: 1`, `added` (the
/// bodies), `removed` and `scaled`.
std::string render_model_changes(const model_changes& changes);

/// Reads a registry file's text; a config_error `<where>: <what is wrong>` for one that is not
/// a registry (malformed, unknown keys, nested past `max_depth`).
model_changes parse_model_changes(const std::string& text, const std::string& where,
                                  int max_depth);

/// Applies `changes` to `cfg.models` as janusd starts: removed models leave, added ones join
/// (read as the admin API reads them and held to `admin.limits`), scaled ones get their sizes.
/// An entry that no longer fits (its model is gone from the config file, is configured again,
/// breaks a limit lowered since) is left out, and what was left out and why is returned for
/// the log. Returns nothing else: the config stays valid.
std::vector<std::string> apply_model_changes(config& cfg, const model_changes& changes);

/// The registry file `models.yaml` in a state directory: holds the changes and writes them,
/// atomically (a new file renamed over the old, both synced), on every change. Safe from any
/// thread.
class model_registry_file {
public:
  /// A registry held in memory only (no `admin.state_dir`): the changes last until janusd
  /// stops, and a configuration reload applies them on top of the file's models all the same.
  model_registry_file() = default;

  /// Reads `<dir>/models.yaml` (none yet: no changes), creating `dir` (mode 0700) when it is
  /// missing. Throws config_error naming `admin.state_dir` when the directory cannot be made or
  /// the file cannot be read or is not a registry.
  model_registry_file(std::string dir, int max_depth);

  model_changes changes() const;

  /// `<dir>/models.yaml`; empty when held in memory only.
  const std::string& path() const noexcept {
    return path_;
  }

  /// Records a model added at run time (replacing what the registry held of that name) and
  /// writes the file; an error says why the write failed (the change stays and goes to disk with
  /// the next write).
  std::optional<error_info> record_add(const std::string& name, const std::string& body);
  /// Records the removal of a model: an added one is forgotten, a configured one is marked.
  std::optional<error_info> record_remove(const std::string& name);
  std::optional<error_info> record_scale(const std::string& name, pool_size size);

private:
  std::optional<error_info> write_locked();

  std::string dir_;
  std::string path_;
  mutable std::mutex mutex_;
  model_changes changes_;
};

} // namespace janus
