#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace janus::test {

/// A TCP port on 127.0.0.1 that was free a moment ago: bound to port 0, read, released.
/// Another process may take it before the test does; in a test run that is rare enough.
std::uint16_t free_port();

/// Polls GET `path` on 127.0.0.1:`port` until it answers 200; false if it did not within
/// `timeout` (stretched by slowdown()).
bool wait_for_http(std::uint16_t port, std::string_view path,
                   std::chrono::milliseconds timeout);

} // namespace janus::test
