#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace janus {

/// Cuts a byte stream that arrives in arbitrary pieces (HTTP chunks, socket reads) into lines.
/// A line ends at '\n'; a '\r' before it is dropped, and so are empty lines. Bytes after the last
/// '\n' are kept until the piece that completes them arrives. A line longer than `max_line`
/// bytes is discarded whole (the bytes up to its '\n' are skipped), so that a peer that never
/// sends '\n' cannot make the buffer grow without bound.
class line_splitter {
public:
  explicit line_splitter(std::size_t max_line = std::size_t{1} << 20) : max_line_(max_line) {
  }

  /// The lines that `piece` completes, in order.
  std::vector<std::string> feed(std::string_view piece);

  /// Bytes held of a line not complete yet.
  std::size_t pending() const noexcept {
    return partial_.size();
  }

  /// Lines discarded for being longer than `max_line`.
  std::size_t discarded() const noexcept {
    return discarded_;
  }

  /// Forgets the incomplete line, e.g. when a new stream starts.
  void reset() noexcept {
    partial_.clear();
    skipping_ = false;
  }

private:
  std::size_t max_line_;
  std::string partial_;
  bool skipping_ = false;
  std::size_t discarded_ = 0;
};

} // namespace janus
