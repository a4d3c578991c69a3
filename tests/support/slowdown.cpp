#include "tests/support/slowdown.hpp"

#include <cmath>
#include <cstdlib>

namespace janus::test {

double slowdown() {
  static const double factor = [] {
    const char* text = std::getenv("JANUS_TEST_SLOWDOWN");
    if (text == nullptr) {
      return 1.0;
    }
    char* end = nullptr;
    double value = std::strtod(text, &end);
    if (end == text || *end != '\0' || !std::isfinite(value) || value < 1.0) {
      return 1.0;
    }
    return value;
  }();
  return factor;
}

std::chrono::milliseconds scaled(std::chrono::milliseconds deadline) {
  return std::chrono::milliseconds{
    static_cast<std::chrono::milliseconds::rep>(std::ceil(deadline.count() * slowdown()))};
}

} // namespace janus::test
