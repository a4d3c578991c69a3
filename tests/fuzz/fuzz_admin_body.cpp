// The admin scale body (model/admin.cpp parse_scale_request) on any bytes.

#include "model/admin.hpp"
#include "model/utf8.hpp"
#include "tests/fuzz/property.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const auto change = parse_scale_request(fuzz::text_of(data, size), 128);
  if (!change) {
    fuzz::require(change.error().code == errc::invalid_request, "a refusal is invalid_request");
    fuzz::require(is_valid_utf8(change.error().message), "the message is valid UTF-8");
    fuzz::require(change.error().message.size() < 256, "the message echoes little of the body");
    return 0;
  }
  fuzz::require(change.value().min_warm || change.value().max_containers,
                "an accepted change names a field");
  const auto next = apply_scale(pool_size{1, 4}, change.value());
  if (next) {
    fuzz::require(next.value().min_warm >= 0
                    && next.value().min_warm <= next.value().max_containers
                    && next.value().max_containers >= 1,
                  "an applied change is a valid pair");
  }
  return 0;
}
