#pragma once

#include <boost/asio/awaitable.hpp>

#include "apps/janus-check/check_report.hpp"
#include "apps/janus-check/check_settings.hpp"
#include "apps/janus-check/container_launcher.hpp"

namespace janus::check {

/// Runs one conformance check through `via`: launches the server, waits for `GET /health` 200
/// (polling every probe_interval within the startup timeout), reads its memory, sends the chat,
/// stream, stream_usage, models and malformed requests (each within the request timeout),
/// stops it with SIGTERM and the grace period, removes it, and judges each rule
/// (contract_rules.hpp). Rules that need a ready server are skipped when it never became
/// ready; sigterm and idle_memory are skipped for a server the check did not start. What was
/// started is removed on every path that returns; for the others (an exception, a stopped event
/// loop) the caller calls via.remove_now(). Takes at most longest_check(settings, the engine's
/// call timeout). `via` must outlive the coroutine.
boost::asio::awaitable<check_report> run_check(container_launcher& via, check_settings settings);

/// The chat request bodies the check sends, for `model`: a short user message, `max_tokens`
/// 16, and `"stream": true` (with `stream_options.include_usage` when `usage`).
std::string chat_body(const std::string& model, bool stream, bool usage);

/// The malformed body of the `errors` rule: JSON cut in the middle.
std::string malformed_body(const std::string& model);

} // namespace janus::check
