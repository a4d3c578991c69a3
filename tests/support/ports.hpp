#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace janus::test {

/// A TCP port on 127.0.0.1 that was free a moment ago (bound, then released), below the
/// kernel's ephemeral range: a port the kernel hands out (to any client's connect(), or to a
/// bind to port 0) could be taken again before the test's server binds it, and with thousands of
/// connections a run that happened. Each test process walks its own part of 20000-32767 (from
/// its pid), so two tests running at once seldom try the same port; one that is taken is skipped.
std::uint16_t free_port();

/// Polls GET `path` on 127.0.0.1:`port` until it answers 200; false if it did not within
/// `timeout` (stretched by slowdown()).
bool wait_for_http(std::uint16_t port, std::string_view path,
                   std::chrono::milliseconds timeout);

} // namespace janus::test
