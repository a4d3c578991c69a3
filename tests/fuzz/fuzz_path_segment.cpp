// Percent-decoding of admin path segments (model/admin.cpp decode_path_segment): what decodes
// is valid UTF-8 and no longer than the segment, and decoding an encoding gives the text back.

#include <string>

#include "model/admin.hpp"
#include "model/utf8.hpp"
#include "runtime/docker_api.hpp"
#include "tests/fuzz/property.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const auto segment = fuzz::text_of(data, size);
  const auto decoded = decode_path_segment(segment);
  if (decoded) {
    fuzz::require(is_valid_utf8(*decoded), "a decoded segment is valid UTF-8");
    fuzz::require(decoded->size() <= segment.size(), "decoding never grows the text");
    fuzz::require(decode_path_segment(docker::url_encode(*decoded)) == decoded,
                  "decoding the encoding of a decoded segment gives it back");
  }
  const auto text = to_valid_utf8(segment);
  fuzz::require(decode_path_segment(docker::url_encode(text)) == text,
                "decode(encode(text)) is the text");
  return 0;
}
