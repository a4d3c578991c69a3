#include "runtime/docker_log_frames.hpp"

namespace janus {

bool docker_log_frames::read_header() noexcept {
  if (header_[0] > 2 || header_[1] != 0 || header_[2] != 0 || header_[3] != 0) {
    return false;
  }
  type_ = header_[0];
  remaining_ = (std::uint64_t{header_[4]} << 24) | (std::uint64_t{header_[5]} << 16)
               | (std::uint64_t{header_[6]} << 8) | std::uint64_t{header_[7]};
  return true;
}

} // namespace janus
