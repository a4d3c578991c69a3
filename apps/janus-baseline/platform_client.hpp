#pragma once

#include "apps/janus-baseline/baseline_options.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <string>

namespace janus::baseline {

/// `GET $JANUS_PLATFORM_URL/health` with the container's token, synchronously, within
/// `timeout`: "" when it answered 200, otherwise what went wrong. Used before listening.
std::string probe_platform(const baseline_options& options, std::chrono::milliseconds timeout);

/// Agent mode: answers the chat request `req` by sending it to the platform LLM route
/// (`$JANUS_PLATFORM_URL/v1/chat/completions`, `Authorization: Bearer $JANUS_LLM_API_KEY`, the
/// request's x-request-id passed on) and relaying that answer to `client` piece by piece as it
/// arrives. Returns whether the client connection may serve another request.
boost::asio::awaitable<bool> relay_agent_chat(
  boost::beast::tcp_stream& client,
  const boost::beast::http::request<boost::beast::http::string_body>& req,
  const baseline_options& options, bool keep_alive);

} // namespace janus::baseline
