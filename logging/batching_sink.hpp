#pragma once

#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace janus::logging {

/// A sink for a busy process: the logging thread formats its line and appends it to a buffer
/// (spdlog's sink mutex, held for that only: no system call, no wake-up of another thread), and
/// a writer thread of the sink's own writes the buffer out every `interval`. So a request
/// thread never waits for stdout, even when stdout blocks; when more than `max_buffered` bytes
/// wait, new lines are dropped and counted, and a line saying how many follows.
///
/// Every write(2) holds whole lines and at most 4096 bytes (or one longer line): on a pipe each
/// is atomic, so lines that the model containers write to the same stdout never split janusd's.
class batching_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  batching_sink(int fd, std::chrono::milliseconds interval, std::size_t max_buffered);

  /// Writes out what is buffered, then stops the writer thread.
  ~batching_sink() override;

  batching_sink(const batching_sink&) = delete;
  batching_sink& operator=(const batching_sink&) = delete;

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;

  /// Asks the writer thread to write now (a warning, an error, the periodic flush); does not
  /// wait for it.
  void flush_() override;

private:
  void run();

  /// Writes `lines` (whole lines) in writes of at most 4096 bytes each.
  void write_lines(const std::string& lines);

  int fd_;
  std::chrono::milliseconds interval_;
  std::size_t max_buffered_;
  // -- guarded by base_sink::mutex_ ---------------------------------------------------------
  std::string buffer_;
  std::uint64_t dropped_ = 0;
  bool write_now_ = false;
  bool stopping_ = false;
  // -----------------------------------------------------------------------------------------
  std::condition_variable wake_;
  std::thread writer_;
};

} // namespace janus::logging
