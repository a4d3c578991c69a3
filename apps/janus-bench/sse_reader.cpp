#include "apps/janus-bench/sse_reader.hpp"

namespace janus::bench {

std::size_t sse_reader::feed(std::string_view piece) {
  events_.clear();
  for (char c : piece) {
    if (overflowed_) {
      break;
    }
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') {
        continue;
      }
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      end_of_line();
      continue;
    }
    if (line_.size() + data_.size() >= max_event_bytes_) {
      overflowed_ = true;
      break;
    }
    line_.push_back(c);
  }
  return events_.size();
}

void sse_reader::end_of_line() {
  if (line_.empty()) {
    if (has_data_) {
      events_.push_back(std::move(data_));
    }
    data_.clear();
    has_data_ = false;
    saw_field_ = false;
    return;
  }
  std::string_view line{line_};
  auto colon = line.find(':');
  auto field = line.substr(0, colon);
  if (field == "data") {
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
    }
    if (has_data_) {
      data_.push_back('\n');
    }
    data_.append(value);
    has_data_ = true;
  } else {
    saw_field_ = true;
  }
  line_.clear();
}

} // namespace janus::bench
