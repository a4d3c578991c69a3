#pragma once

#include <chrono>

namespace janus::test {

/// How many times slower than a normal build the code under test runs: JANUS_TEST_SLOWDOWN
/// (scripts/test.sh sets it for its sanitizer runs), 1 when unset or not a number >= 1.
double slowdown();

/// `deadline` stretched by slowdown(): for how long a test waits for something, never for a
/// figure it checks (a sanitizer build is slower, not differently correct).
std::chrono::milliseconds scaled(std::chrono::milliseconds deadline);

} // namespace janus::test
