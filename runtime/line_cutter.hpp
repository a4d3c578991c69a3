#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace janus {

/// Cuts a container's output (pipe reads, Docker log frames: arbitrary pieces) into lines for
/// janusd's log. A line ends at '\n'; a '\r' before it is dropped, and so are empty lines. A line
/// longer than `max_line` bytes is cut: its first `max_line` bytes (less a UTF-8 sequence that
/// the cut would split) are given with `cut` set and the rest up to its '\n' is skipped. Holds at most
/// `max_line` bytes of an incomplete line, whatever the input.
class line_cutter {
public:
  explicit line_cutter(std::size_t max_line) : max_line_(max_line == 0 ? 1 : max_line) {
  }

  /// Calls `visit(std::string_view line, bool cut)` for each line `piece` completes, in order.
  template <class Visit>
  void feed(std::string_view piece, Visit&& visit) {
    while (!piece.empty()) {
      auto newline = piece.find('\n');
      auto part = piece.substr(0, newline);
      if (!skipping_) {
        auto room = max_line_ - partial_.size();
        if (part.size() > room) {
          partial_.append(part.substr(0, room));
          emit(true, visit);
          skipping_ = true;
        } else {
          partial_.append(part);
        }
      }
      if (newline == std::string_view::npos) {
        return;
      }
      if (!skipping_) {
        emit(false, visit);
      }
      skipping_ = false;
      partial_.clear();
      piece.remove_prefix(newline + 1);
    }
  }

  /// Gives the incomplete line, if any, as the last one (the stream ended without '\n').
  template <class Visit>
  void finish(Visit&& visit) {
    if (!skipping_) {
      emit(false, visit);
    }
    skipping_ = false;
    partial_.clear();
  }

  /// Bytes held of a line not complete yet (at most max_line).
  std::size_t pending() const noexcept {
    return partial_.size();
  }

  std::size_t max_line() const noexcept {
    return max_line_;
  }

private:
  template <class Visit>
  void emit(bool cut, Visit& visit) {
    std::string_view line{partial_};
    if (!cut && !line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (cut) {
      line = line.substr(0, cut_point(line));
    }
    if (!line.empty()) {
      visit(line, cut);
    }
    partial_.clear();
  }

  /// Where a full line of max_line bytes is cut: before a UTF-8 sequence whose lead byte says
  /// it runs past the end (decided by the bytes held alone, so pieces cannot change it).
  static std::size_t cut_point(std::string_view line) noexcept {
    auto lead = line.size();
    int continuation = 0;
    while (lead > 0 && continuation < 3 && (static_cast<unsigned char>(line[lead - 1]) & 0xc0) == 0x80) {
      --lead;
      ++continuation;
    }
    if (lead == 0) {
      return line.size();
    }
    auto c = static_cast<unsigned char>(line[lead - 1]);
    std::size_t length = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
    return lead - 1 + length > line.size() ? lead - 1 : line.size();
  }

  std::size_t max_line_;
  std::string partial_;
  bool skipping_ = false;
};

} // namespace janus
