#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "http/replies.hpp"
#include "http/sandbox_service.hpp"
#include "model/config.hpp"
#include "model/result.hpp"

/// The Sandy-compatible routes (Spec 95 FR-3, docs/sandy.md):
///   POST   /api/sandboxes                                  create a sandbox
///   GET    /api/sandboxes/{id}                             show it
///   DELETE /api/sandboxes/{id}                             end it, its containers removed
///   POST   /api/sandboxes/{id}/container/run               run a container for it
///   POST   /api/sandboxes/{id}/container/{cid}/chat        a chat request, proxied as on /v1
/// The handler parses and formats; the sandbox_service decides.
namespace janus::http {

/// The base of the `endpoint` URLs: sandbox.public_url; else `http://` and the request's Host
/// when it is a plausible host[:port]; else `http://server.host:server.port`.
std::string sandbox_base_url(const sandbox_config& config, std::string_view host_field,
                             const server_config& server, std::uint16_t bound_port);

/// The chat URL of a container: `<base>/api/sandboxes/<id>/container/<cid>/chat`.
std::string sandbox_endpoint(std::string_view base, std::string_view sandbox_id,
                             std::string_view container_id);

/// A sandbox as its answers show it (`id` and `sandbox_id`, timeout in seconds, times in UTC,
/// its running containers). `now`: the steady and the system clock read together.
std::string sandbox_body(const sandbox_record& record, std::string_view base,
                         std::chrono::steady_clock::time_point steady_now,
                         std::chrono::system_clock::time_point system_now);

/// A container run's answer: `id` and `container_id` (the same), `sandbox_id`, `model` (the
/// pool), `image`, `endpoint`, `expires_at`, `ignored_env`.
std::string run_body(const sandbox_run& run, std::string_view sandbox_id, std::string_view base,
                     std::chrono::steady_clock::time_point steady_now,
                     std::chrono::system_clock::time_point system_now);

/// What the session does with a sandbox request: send `answer`, or, when `chat_model` is set,
/// serve the request body as a chat completion of that pool (the same check, proxy and stream
/// as `/v1/chat/completions`).
struct sandbox_outcome {
  reply answer;
  std::string chat_model;
};

/// Answers one sandbox request (credentials were checked with its head: judge_head).
boost::asio::awaitable<sandbox_outcome> sandbox_answer(
  const boost::beast::http::request<boost::beast::http::string_body>& request,
  std::string_view path, sandbox_service& sandboxes, std::string base_url);

} // namespace janus::http
