#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/log_stream.hpp"

namespace janus {

/// Splits the Engine API's multiplexed log stream (`GET /containers/{id}/logs` of a container
/// without a TTY) into its frames: an 8-byte header (stream type 0 stdin, 1 stdout, 2 stderr,
/// three zero bytes, the payload size as a 32-bit big-endian number) and the payload. Payload
/// bytes are handed on as they arrive, never buffered: the parser holds the 8 header bytes at
/// most, whatever the input. A header that breaks the format (an unknown stream type, non-zero
/// padding) makes the parser fail for good: the stream is not what it claims to be.
class docker_log_frames {
public:
  /// Calls `visit(log_stream, std::string_view payload_part)` for every payload byte run of
  /// `piece` (a frame's payload may come in several parts); stdin frames are skipped. Returns
  /// false once the stream is broken (also for every later call).
  template <class Visit>
  bool feed(std::string_view piece, Visit&& visit) {
    while (!piece.empty() && !broken_) {
      if (remaining_ == 0) {
        auto take = std::min(header_.size() - header_size_, piece.size());
        for (std::size_t i = 0; i < take; ++i) {
          header_[header_size_++] = static_cast<std::uint8_t>(piece[i]);
        }
        piece.remove_prefix(take);
        if (header_size_ < header_.size()) {
          return true;
        }
        header_size_ = 0;
        if (!read_header()) {
          broken_ = true;
          return false;
        }
        continue;
      }
      auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, piece.size()));
      if (type_ != 0) {
        visit(static_cast<log_stream>(type_), piece.substr(0, take));
      }
      remaining_ -= take;
      piece.remove_prefix(take);
    }
    return !broken_;
  }

  bool broken() const noexcept {
    return broken_;
  }

  /// Whether the stream stands between two frames (a clean place for it to end).
  bool at_frame_boundary() const noexcept {
    return remaining_ == 0 && header_size_ == 0;
  }

private:
  /// Takes the header in header_: false when it breaks the format.
  bool read_header() noexcept;

  std::array<std::uint8_t, 8> header_{};
  std::size_t header_size_ = 0;
  std::uint8_t type_ = 0;
  std::uint64_t remaining_ = 0;
  bool broken_ = false;
};

} // namespace janus
