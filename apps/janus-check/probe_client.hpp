#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <string>

#include "apps/janus-check/container_launcher.hpp"
#include "apps/janus-check/contract_rules.hpp"

namespace janus::check {

/// The largest response head read from the container.
inline constexpr std::uint32_t max_head_bytes = 16 * 1024;

/// One HTTP/1.1 exchange with the server under test on a fresh connection from `via`:
/// `method target` with `body` (JSON when not empty), everything from the connect to the last
/// body byte within `timeout`. The head is read up to max_head_bytes and the body up to
/// max_body_bytes; what came before a failure is kept, and the failure is in `error`.
boost::asio::awaitable<observed_response> exchange(container_launcher& via,
                                                   boost::beast::http::verb method,
                                                   std::string target, std::string body,
                                                   std::chrono::milliseconds timeout);

} // namespace janus::check
