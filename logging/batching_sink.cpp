#include "logging/batching_sink.hpp"

#include <unistd.h>

#include <cerrno>

namespace janus::logging {

namespace {

/// The size up to which a write to a pipe is atomic (PIPE_BUF on Linux).
constexpr std::size_t atomic_write = 4096;

} // namespace

batching_sink::batching_sink(int fd, std::chrono::milliseconds interval, std::size_t max_buffered)
  : fd_(fd), interval_(interval), max_buffered_(max_buffered), writer_([this] { run(); }) {
}

batching_sink::~batching_sink() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

void batching_sink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  if (buffer_.size() + formatted.size() > max_buffered_) {
    ++dropped_;
    return;
  }
  buffer_.append(formatted.data(), formatted.size());
}

void batching_sink::flush_() {
  write_now_ = true;
  wake_.notify_one();
}

void batching_sink::run() {
  std::string lines;
  while (true) {
    std::uint64_t dropped = 0;
    bool last = false;
    {
      std::unique_lock lock{mutex_};
      wake_.wait_for(lock, interval_, [this] { return write_now_ || stopping_; });
      write_now_ = false;
      last = stopping_;
      lines.swap(buffer_);
      dropped = dropped_;
      dropped_ = 0;
    }
    if (dropped > 0) {
      lines += "janusd: " + std::to_string(dropped) + " log line(s) dropped: stdout too slow\n";
    }
    write_lines(lines);
    lines.clear();
    if (last) {
      return;
    }
  }
}

void batching_sink::write_lines(const std::string& lines) {
  std::size_t done = 0;
  while (done < lines.size()) {
    // As many whole lines as fit in one atomic write; one longer line goes alone.
    auto end = lines.size();
    if (end - done > atomic_write) {
      auto cut = lines.rfind('\n', done + atomic_write - 1);
      end = cut != std::string::npos && cut >= done ? cut + 1 : lines.find('\n', done) + 1;
      if (end == 0) {
        end = lines.size();
      }
    }
    while (done < end) {
      auto n = ::write(fd_, lines.data() + done, end - done);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return; // stdout is closed or broken: nothing more can be written
      }
      done += static_cast<std::size_t>(n);
    }
  }
}

} // namespace janus::logging
