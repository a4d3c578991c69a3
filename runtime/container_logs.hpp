#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/container_log_line.hpp"
#include "model/token_bucket.hpp"
#include "runtime/log_stream.hpp"

namespace janus {

/// The limits on container output (log.container_* in the configuration).
struct container_log_limits {
  /// Lines a second one container may write into janusd's log, and the burst above it; 0: no
  /// limit.
  double lines_per_second = 100;
  double burst = 200;
  /// Bytes of recent lines kept per container for the admin route.
  std::size_t ring_bytes = 256 * 1024;
  /// A longer line is cut (and marked) at this many bytes.
  std::size_t max_line_bytes = 16 * 1024;
  /// How many containers that are gone keep their recent lines (oldest forgotten first).
  std::size_t keep_gone = 16;
};

/// Where the runtimes hand each container's output lines: every line becomes a `container
/// output` event in janusd's log (fields model, container, stream, line, and cut=true for a cut
/// line), within the container's token bucket; lines past it are dropped from the log, counted
/// (on_dropped, for the metric) and summarized in one `container output dropped` line when the
/// container may write again or goes. Every line, dropped or not, enters the container's ring of
/// recent lines (bounded bytes), read by tail(). Safe from any thread (one mutex, held for a map
/// look-up and a copy; log lines are written after it is released).
class container_logs {
public:
  using clock = std::chrono::steady_clock;
  /// Called with the model and the number of lines just dropped from the log.
  using dropped_handler = std::function<void(std::string_view model, std::uint64_t lines)>;

  explicit container_logs(container_log_limits limits, dropped_handler on_dropped = {});

  /// A container starts (or is adopted): its lines are taken from now on. Opening an id again
  /// starts it afresh.
  void open(const std::string& id, const std::string& model);

  /// One line of `id` (ignored when the id is not open).
  void line(const std::string& id, log_stream stream, std::string_view text, bool cut,
            clock::time_point now = clock::now());

  /// The container is gone: its pending drop summary is written; its ring is kept (up to
  /// keep_gone containers) for tail().
  void close(const std::string& id);

  /// The last `n` lines of `id`, oldest first; nullopt for an id never opened (or forgotten).
  std::optional<std::vector<container_log_line>> tail(std::string_view id, std::size_t n) const;

  const container_log_limits& limits() const noexcept {
    return limits_;
  }

private:
  struct container {
    std::string model;
    token_bucket bucket;
    std::deque<container_log_line> ring;
    std::size_t ring_bytes = 0;
    std::uint64_t dropped_pending = 0;
    bool gone = false;
  };

  /// Writes the summary of `dropped` lines of a container.
  static void write_dropped(std::string_view model, std::string_view id, std::uint64_t dropped);

  container_log_limits limits_;
  dropped_handler on_dropped_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, container> containers_;
  /// Ids of gone containers, oldest first (at most keep_gone).
  std::deque<std::string> gone_;
};

} // namespace janus
