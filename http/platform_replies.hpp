#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "model/errc.hpp"

namespace janus::http {

/// Writes a small complete answer of the platform endpoint's own (JSON), with the call's
/// x-request-id when it had one, within `timeout`; returns whether the write succeeded and the
/// connection may serve another request.
boost::asio::awaitable<bool> write_platform_answer(boost::beast::tcp_stream& client,
                                                   unsigned status, std::string body,
                                                   int retry_after, std::string_view request_id,
                                                   bool keep_alive,
                                                   std::chrono::milliseconds timeout);

/// The status an error is answered with (see http/error_response).
unsigned status_of(const error_info& error);

/// Writes `error` as its OpenAI answer (status, body, Retry-After; see write_platform_answer).
boost::asio::awaitable<bool> write_platform_error(boost::beast::tcp_stream& client,
                                                  const error_info& error,
                                                  std::string_view request_id, bool keep_alive,
                                                  std::chrono::milliseconds timeout);

/// An x-request-id from a container, kept when it is 1-128 visible ASCII characters; "" else.
std::string accepted_request_id(std::string_view value);

} // namespace janus::http
