#include "http/sse_scanner.hpp"

#include <algorithm>

namespace janus::http {

namespace {

/// The value of a `data:` line head, without the field name and the one optional space.
std::string_view data_value(std::string_view head) {
  head.remove_prefix(5);
  if (!head.empty() && head.front() == ' ') {
    head.remove_prefix(1);
  }
  return head;
}

} // namespace

std::size_t sse_scanner::feed(std::string_view piece) {
  std::size_t completed = 0;
  for (char c : piece) {
    if (c == '\n') {
      if (line_bytes_ == 0) {
        if (frame_bytes_ > 0) {
          auto before = data_frames_;
          end_of_frame();
          completed += data_frames_ - before;
        }
        continue;
      }
      end_of_line();
      ++frame_bytes_;
      continue;
    }
    ++frame_bytes_;
    if (c == '\r') {
      continue;
    }
    if (head_size_ < sizeof(line_head_)) {
      line_head_[head_size_++] = c;
    }
    ++line_bytes_;
  }
  return completed;
}

void sse_scanner::end_of_line() {
  std::string_view head{line_head_, head_size_};
  if (head.starts_with("data:")) {
    frame_has_data_ = true;
    auto value = data_value(head);
    if (value.starts_with("[DONE]")) {
      frame_is_done_ = true;
    } else if (value.starts_with("{\"error\"")) {
      frame_is_error_ = true;
    }
  }
  line_bytes_ = 0;
  head_size_ = 0;
}

void sse_scanner::end_of_frame() {
  if (frame_has_data_) {
    ++data_frames_;
    saw_error_ = saw_error_ || frame_is_error_;
    saw_done_ = saw_done_ || frame_is_done_;
  }
  frame_bytes_ = 0;
  frame_has_data_ = false;
  frame_is_error_ = false;
  frame_is_done_ = false;
}

std::string error_end_of_stream(const sse_scanner& scanner, std::string_view error_json) {
  std::string events;
  if (!scanner.at_frame_boundary()) {
    events += "\n\n";
  }
  events.append("data: ").append(error_json).append("\n\n");
  events += "data: [DONE]\n\n";
  return events;
}

} // namespace janus::http
