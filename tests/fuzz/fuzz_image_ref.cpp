// Docker image references as the configuration, the admin API and (with docker.model_as_image)
// a request's model name give them (model/image_ref.cpp).

#include <string>

#include "model/image_ref.hpp"
#include "tests/fuzz/property.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace janus;
  const auto text = fuzz::text_of(data, size);
  const auto ref = parse_image_ref(text);
  if (!ref) {
    fuzz::require(ref.error().code == errc::invalid_request, "a refusal is invalid_request");
    fuzz::require(ref.error().message.size() < 200, "a refusal is short and does not echo");
    return 0;
  }
  const auto& got = ref.value();
  fuzz::require(text.size() <= max_image_ref, "an accepted reference is bounded");
  fuzz::require(!got.path.empty(), "an accepted reference names a repository");
  fuzz::require(got.repository().size() <= 255, "registry and path are at most 255 bytes");
  fuzz::require(got.path.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ:@ ") == std::string::npos,
                "a path is lowercase, without ':' '@' or spaces");
  fuzz::require(got.digest.empty() || got.digest.size() == 71, "a digest is sha256: + 64 hex");
  // What it stands for reads back the same.
  std::string again = got.repository();
  if (!got.tag.empty()) {
    again += ":" + got.tag;
  }
  if (!got.digest.empty()) {
    again += "@" + got.digest;
  }
  fuzz::require(again == text, "the parts put together are the text");
  const auto reread = parse_image_ref(again);
  fuzz::require(reread && reread.value().registry == got.registry && reread.value().path == got.path,
                "the parts read back the same");
  return 0;
}
