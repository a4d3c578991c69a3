// Request ids (http/request_id.cpp): the client's id is kept exactly when usable, else a fresh
// one is made; either way the id is safe in a header and a log line.

#include <string>

#include "http/request_id.hpp"
#include "tests/fuzz/property.hpp"

namespace {

bool visible_ascii(std::string_view id) {
  for (unsigned char c : id) {
    if (c < 0x21 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

bool lower_hex(std::string_view id) {
  return id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const auto given = fuzz::text_of(data, size);
  const auto id = http::request_id_for(given);
  fuzz::require(!id.empty() && id.size() <= 128, "an id is 1 to 128 characters");
  fuzz::require(visible_ascii(id), "an id is visible ASCII");
  const bool usable = !given.empty() && given.size() <= 128 && visible_ascii(given);
  if (usable) {
    fuzz::require(id == given, "a usable client id is kept as it is");
  } else {
    fuzz::require(id.size() == 16 && lower_hex(id), "a new id is 16 hex digits");
  }
  return 0;
}
