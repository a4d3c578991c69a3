#include "runtime/container_logs.hpp"

#include "logging/event.hpp"

namespace janus {

container_logs::container_logs(container_log_limits limits, dropped_handler on_dropped)
  : limits_(limits), on_dropped_(std::move(on_dropped)) {
}

void container_logs::open(const std::string& id, const std::string& model) {
  std::lock_guard lock{mutex_};
  containers_.erase(id);
  std::erase(gone_, id);
  containers_.emplace(id, container{model, token_bucket{limits_.lines_per_second, limits_.burst, clock::now()},
                                    {}, 0, 0, false});
}

void container_logs::line(const std::string& id, log_stream stream, std::string_view text,
                          bool cut, clock::time_point now) {
  std::string model;
  std::uint64_t summarize = 0;
  bool write = false;
  {
    std::lock_guard lock{mutex_};
    auto it = containers_.find(id);
    if (it == containers_.end() || it->second.gone) {
      return;
    }
    auto& c = it->second;
    c.ring.push_back(container_log_line{std::chrono::system_clock::now(), to_string(stream),
                                        std::string{text}, cut});
    c.ring_bytes += text.size();
    while (c.ring_bytes > limits_.ring_bytes && !c.ring.empty()) {
      c.ring_bytes -= c.ring.front().text.size();
      c.ring.pop_front();
    }
    write = c.bucket.take(now) == clock::duration::zero();
    if (write) {
      summarize = c.dropped_pending;
      c.dropped_pending = 0;
    } else {
      ++c.dropped_pending;
    }
    model = c.model;
  }
  if (!write) {
    if (on_dropped_) {
      on_dropped_(model, 1);
    }
    return;
  }
  if (summarize > 0) {
    write_dropped(model, id, summarize);
  }
  if (!logging::enabled(spdlog::level::info)) {
    return;
  }
  logging::event event{"container output"};
  event.field("model", model).field("container", id).field("stream", to_string(stream));
  if (cut) {
    event.field("cut", true);
  }
  event.field("line", text).info();
}

void container_logs::close(const std::string& id) {
  std::string model;
  std::uint64_t summarize = 0;
  {
    std::lock_guard lock{mutex_};
    auto it = containers_.find(id);
    if (it == containers_.end() || it->second.gone) {
      return;
    }
    it->second.gone = true;
    summarize = it->second.dropped_pending;
    it->second.dropped_pending = 0;
    model = it->second.model;
    gone_.push_back(id);
    while (gone_.size() > limits_.keep_gone) {
      containers_.erase(gone_.front());
      gone_.pop_front();
    }
  }
  if (summarize > 0) {
    write_dropped(model, id, summarize);
  }
}

std::optional<std::vector<container_log_line>> container_logs::tail(std::string_view id,
                                                                     std::size_t n) const {
  std::lock_guard lock{mutex_};
  auto it = containers_.find(std::string{id});
  if (it == containers_.end()) {
    return std::nullopt;
  }
  const auto& ring = it->second.ring;
  auto count = std::min(n, ring.size());
  return std::vector<container_log_line>{ring.end() - static_cast<std::ptrdiff_t>(count), ring.end()};
}

void container_logs::write_dropped(std::string_view model, std::string_view id,
                                   std::uint64_t dropped) {
  logging::event{"container output dropped"}
    .field("model", model)
    .field("container", id)
    .field("dropped", dropped)
    .field("detail", std::to_string(dropped) + " lines dropped (log.container_lines_per_second)")
    .warn();
}

} // namespace janus
