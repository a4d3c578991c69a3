#include "runtime/line_splitter.hpp"

namespace janus {

std::vector<std::string> line_splitter::feed(std::string_view piece) {
  std::vector<std::string> lines;
  while (!piece.empty()) {
    auto newline = piece.find('\n');
    auto part = piece.substr(0, newline);
    if (!skipping_) {
      if (partial_.size() + part.size() > max_line_) {
        partial_.clear();
        skipping_ = true;
        ++discarded_;
      } else {
        partial_.append(part);
      }
    }
    if (newline == std::string_view::npos) {
      break;
    }
    piece.remove_prefix(newline + 1);
    if (skipping_) {
      skipping_ = false;
      continue;
    }
    if (!partial_.empty() && partial_.back() == '\r') {
      partial_.pop_back();
    }
    if (!partial_.empty()) {
      lines.push_back(std::move(partial_));
    }
    partial_.clear();
  }
  return lines;
}

} // namespace janus
