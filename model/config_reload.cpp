#include "model/config_reload.hpp"

#include <algorithm>
#include <unordered_map>

namespace janus {

model_reload_plan plan_model_reload(const std::vector<model_config>& running,
                                    const std::vector<model_config>& wanted) {
  std::unordered_map<std::string, const model_config*> running_by_name;
  std::unordered_map<std::string, const model_config*> wanted_by_name;
  for (const auto& model : running) {
    running_by_name.emplace(model.name, &model);
  }
  for (const auto& model : wanted) {
    wanted_by_name.emplace(model.name, &model);
  }
  model_reload_plan plan;
  for (const auto& model : running) {
    auto it = wanted_by_name.find(model.name);
    if (it == wanted_by_name.end()) {
      plan.removed.push_back(model.name);
    } else if (*it->second == model) {
      plan.unchanged.push_back(model.name);
    }
  }
  for (const auto& model : wanted) {
    auto it = running_by_name.find(model.name);
    if (it == running_by_name.end()) {
      plan.added.push_back(model);
    } else if (!(*it->second == model)) {
      plan.changed.push_back(model);
    }
  }
  return plan;
}

namespace {

/// Collects the keys whose value differs, one line each.
class key_differences {
public:
  key_differences(const config& running, const config& loaded)
    : running_(running), loaded_(loaded) {
  }

  template <class Get>
  key_differences& key(const char* name, Get get) {
    if (!(get(running_) == get(loaded_))) {
      keys_.emplace_back(name);
    }
    return *this;
  }

  std::vector<std::string> take() {
    return std::move(keys_);
  }

private:
  const config& running_;
  const config& loaded_;
  std::vector<std::string> keys_;
};

} // namespace

std::vector<std::string> keys_needing_restart(const config& running, const config& loaded) {
  using c = const config&;
  key_differences diff{running, loaded};
  diff.key("runtime", [](c cfg) { return cfg.runtime; });
  // server (server.listen is read into host and port)
  diff.key("server.listen", [](c cfg) { return std::pair{cfg.server.host, cfg.server.port}; })
    .key("server.threads", [](c cfg) { return cfg.server.threads; })
    .key("server.max_body_bytes", [](c cfg) { return cfg.server.max_body_bytes; })
    .key("server.max_header_bytes", [](c cfg) { return cfg.server.max_header_bytes; })
    .key("server.read_timeout", [](c cfg) { return cfg.server.read_timeout; })
    .key("server.idle_timeout", [](c cfg) { return cfg.server.idle_timeout; })
    .key("server.request_timeout", [](c cfg) { return cfg.server.request_timeout; })
    .key("server.upstream_timeout", [](c cfg) { return cfg.server.upstream_timeout; })
    .key("server.stream_idle_timeout", [](c cfg) { return cfg.server.stream_idle_timeout; })
    .key("server.max_retries", [](c cfg) { return cfg.server.max_retries; })
    .key("server.upstream_idle_connections",
         [](c cfg) { return cfg.server.upstream_idle_connections; })
    .key("server.drain_timeout", [](c cfg) { return cfg.server.drain_timeout; })
    .key("server.max_json_depth", [](c cfg) { return cfg.server.max_json_depth; })
    .key("server.max_connections", [](c cfg) { return cfg.server.max_connections; })
    .key("server.sse_keepalive", [](c cfg) { return cfg.server.sse_keepalive; })
    .key("server.client_watch_after", [](c cfg) { return cfg.server.client_watch_after; });
  // platform: its scalars one by one, its routes and egress as wholes
  diff.key("platform.log_level", [](c cfg) { return cfg.platform.log_level; })
    .key("platform.timeout", [](c cfg) { return cfg.platform.timeout; })
    .key("platform.port", [](c cfg) { return cfg.platform.port; })
    .key("platform.threads", [](c cfg) { return cfg.platform.threads; })
    .key("platform.max_header_bytes", [](c cfg) { return cfg.platform.max_header_bytes; })
    .key("platform.read_timeout", [](c cfg) { return cfg.platform.read_timeout; })
    .key("platform.idle_timeout", [](c cfg) { return cfg.platform.idle_timeout; })
    .key("platform.max_connections", [](c cfg) { return cfg.platform.max_connections; })
    .key("platform.routes", [](c cfg) { return cfg.platform.routes; })
    .key("platform.egress", [](c cfg) { return cfg.platform.egress; });
  diff.key("log.level", [](c cfg) { return cfg.log.level; })
    .key("log.format", [](c cfg) { return cfg.log.format; })
    .key("log.container_lines_per_second",
         [](c cfg) { return cfg.log.container_lines_per_second; })
    .key("log.container_burst", [](c cfg) { return cfg.log.container_burst; })
    .key("log.container_max_line_bytes", [](c cfg) { return cfg.log.container_max_line_bytes; })
    .key("log.container_ring_bytes", [](c cfg) { return cfg.log.container_ring_bytes; })
    .key("log.container_keep_gone", [](c cfg) { return cfg.log.container_keep_gone; })
    .key("log.container_max_tail", [](c cfg) { return cfg.log.container_max_tail; });
  diff.key("docker.socket", [](c cfg) { return cfg.docker.socket; })
    .key("docker.engine_id", [](c cfg) { return cfg.docker.engine_id; })
    .key("docker.max_parallel_starts", [](c cfg) { return cfg.docker.max_parallel_starts; })
    .key("docker.call_timeout", [](c cfg) { return cfg.docker.call_timeout; })
    .key("docker.model_as_image", [](c cfg) { return cfg.docker.model_as_image; })
    .key("docker.network", [](c cfg) { return cfg.docker.network; })
    .key("docker.spare_sockets", [](c cfg) { return cfg.docker.spare_sockets; })
    .key("docker.init", [](c cfg) { return cfg.docker.init; })
    .key("docker.log_max_size", [](c cfg) { return cfg.docker.log_max_size; })
    .key("docker.log_max_files", [](c cfg) { return cfg.docker.log_max_files; })
    .key("docker.pull_timeout", [](c cfg) { return cfg.docker.pull_timeout; })
    .key("docker.registries", [](c cfg) { return cfg.docker.registries; })
    .key("docker.image_pool_template", [](c cfg) { return cfg.docker.image_pool_template; })
    .key("docker.max_image_pools", [](c cfg) { return cfg.docker.max_image_pools; });
  // admin.token is compared as a value (it may come from admin.token_env); only the key is
  // ever named.
  diff.key("admin.token", [](c cfg) { return cfg.admin.token; })
    .key("admin.token_env", [](c cfg) { return cfg.admin.token_env; })
    .key("admin.require_conformance", [](c cfg) { return cfg.admin.require_conformance; })
    .key("admin.conformance_request_timeout",
         [](c cfg) { return cfg.admin.conformance_request_timeout; })
    .key("admin.max_conformance_checks", [](c cfg) { return cfg.admin.max_conformance_checks; })
    .key("admin.state_dir", [](c cfg) { return cfg.admin.state_dir; })
    .key("admin.limits.max_memory", [](c cfg) { return cfg.admin.limits.max_memory; })
    .key("admin.limits.max_cpus", [](c cfg) { return cfg.admin.limits.max_cpus; })
    .key("admin.limits.max_pids_limit", [](c cfg) { return cfg.admin.limits.max_pids_limit; })
    .key("admin.limits.require_read_only",
         [](c cfg) { return cfg.admin.limits.require_read_only; })
    .key("admin.limits.max_tmpfs_size", [](c cfg) { return cfg.admin.limits.max_tmpfs_size; })
    .key("admin.limits.max_containers", [](c cfg) { return cfg.admin.limits.max_containers; })
    .key("admin.limits.max_min_warm", [](c cfg) { return cfg.admin.limits.max_min_warm; })
    .key("admin.limits.max_concurrency", [](c cfg) { return cfg.admin.limits.max_concurrency; })
    .key("admin.limits.allowed_images", [](c cfg) { return cfg.admin.limits.allowed_images; })
    .key("admin.limits.allow_command", [](c cfg) { return cfg.admin.limits.allow_command; })
    .key("admin.limits.allow_fallback", [](c cfg) { return cfg.admin.limits.allow_fallback; })
    .key("admin.limits.denied_env", [](c cfg) { return cfg.admin.limits.denied_env; });
  diff.key("auth.api_keys_file", [](c cfg) { return cfg.auth.api_keys_file; })
    .key("auth.api_keys_env", [](c cfg) { return cfg.auth.api_keys_env; })
    .key("auth.metrics", [](c cfg) { return cfg.auth.metrics_need_key; });
  // The keys themselves (the file's or the variable's content) when their sources stay.
  if (running.auth.api_keys_file == loaded.auth.api_keys_file
      && running.auth.api_keys_env == loaded.auth.api_keys_env) {
    diff.key("auth.keys (the content of auth.api_keys_file or auth.api_keys_env)",
             [](c cfg) { return cfg.auth.keys; });
  }
  diff.key("process.inherit_env", [](c cfg) { return cfg.process.inherit_env; })
    .key("engine.pool_restart_limit", [](c cfg) { return cfg.engine.pool_restart_limit; })
    .key("engine.pool_restart_window", [](c cfg) { return cfg.engine.pool_restart_window; })
    .key("engine.reload_timeout", [](c cfg) { return cfg.engine.reload_timeout; });
  diff.key("sandbox.enabled", [](c cfg) { return cfg.sandbox.enabled; })
    .key("sandbox.auth", [](c cfg) { return cfg.sandbox.auth; })
    .key("sandbox.default_timeout", [](c cfg) { return cfg.sandbox.default_timeout; })
    .key("sandbox.max_timeout", [](c cfg) { return cfg.sandbox.max_timeout; })
    .key("sandbox.max_sandboxes", [](c cfg) { return cfg.sandbox.max_sandboxes; })
    .key("sandbox.max_containers_per_sandbox",
         [](c cfg) { return cfg.sandbox.max_containers_per_sandbox; })
    .key("sandbox.public_url", [](c cfg) { return cfg.sandbox.public_url; });
  return diff.take();
}

} // namespace janus
