#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/admin_broker.hpp"
#include "http/broker.hpp"
#include "http/change_turns.hpp"
#include "http/conformance_checker.hpp"
#include "http/replies.hpp"
#include "model/config.hpp"
#include "model/container_log_line.hpp"
#include "model/model_state.hpp"
#include "model/result.hpp"

namespace janus::http {

class request_metrics;

/// What the admin API (`/admin/*`) needs; disabled while `token` is empty or `broker` is null.
struct admin_hooks {
  admin_broker* broker = nullptr;
  /// The bearer token every admin request must carry.
  std::string token;
  /// The engine's runtime and docker settings: a model added at run time is validated as a
  /// configuration entry would be.
  std::string runtime = "process";
  docker_config docker;
  /// `server.max_json_depth`: admin bodies are held to the same nesting limit as chat bodies.
  int max_json_depth = server_config{}.max_json_depth;
  /// Ceilings on models added at run time: checked before the model reaches the pools.
  admin_limits limits;
  /// With `admin.require_conformance`: what checks a model before `POST /admin/models` adds it
  /// (null = no check).
  conformance_checker* conformance = nullptr;
  /// The last `n` output lines of a container, oldest first; nullopt for an unknown container.
  /// Unset: `GET /admin/containers/{id}/logs` knows no container.
  std::function<std::optional<std::vector<container_log_line>>(std::string_view id, std::size_t n)>
    container_logs;
  /// With `admin.state_dir`: where adds, removals and scales are recorded so that they outlast
  /// a restart (null = they last until janusd stops).
  model_registry_file* registry = nullptr;
  /// Adds, removals and scales take turns with each other and with configuration reloads
  /// (null = no turns are taken).
  change_turns* turns = nullptr;
  /// The largest `tail` the logs route answers (log.container_max_tail).
  int max_tail = log_config{}.container_max_tail;
  /// Whether a model is a sandbox's pool (the Sandy-compatible routes, docs/sandy.md): the
  /// sandbox owns it, so the admin API neither removes nor scales it behind the sandbox's back.
  /// Unset: no model is.
  std::function<bool(const std::string& model)> sandbox_owned;
};

/// Whether `path` (no query) is an admin API path and the API is enabled; when disabled, admin
/// paths are unknown paths (404).
bool is_admin_path(std::string_view path, const admin_hooks& hooks);

/// Answers one admin request: 401 without the right bearer token, then routes, parses, asks the
/// pools and formats. `requests`: the request metrics to register added models with and to
/// remove removed ones from (may be null).
boost::asio::awaitable<reply> admin_answer(
  const boost::beast::http::request<boost::beast::http::string_body>& request,
  std::string_view path, broker& pools, const admin_hooks& hooks, request_metrics* requests);

/// `GET /admin/pools` body: every pool's policy, containers, waiters and counters.
std::string pools_body(const std::vector<pool_status>& pools);

/// A pool's policy as the scale answer shows it.
std::string scale_body(const pool_status& pool);

/// `GET /admin/containers/{id}/logs` body: one JSON object per line (JSON lines), oldest
/// first: `{"time":"2024-05-01T12:00:00.123Z","stream":"stderr","line":"...","cut":false}`;
/// bytes of a line that are not valid UTF-8 become U+FFFD.
std::string container_logs_body(const std::vector<container_log_line>& lines);

/// The `tail` of a logs query (`tail=N`, 0 <= N <= max_tail; absent: 100).
result<std::size_t> parse_tail(std::string_view query, int max_tail);

/// A time in UTC as the admin and sandbox answers show it: `2024-05-01T12:00:00.123Z`.
std::string utc_text(std::chrono::system_clock::time_point at);

/// What a drain did, as the 202 answer shows it.
std::string drain_body(const std::string& model, const drain_report& report);

} // namespace janus::http
