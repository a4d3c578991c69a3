#include "http/shard.hpp"

#include "http/session.hpp"

#include <vector>

namespace janus::http {

namespace {

/// Idle upstream connections older than this are closed instead of reused.
constexpr auto upstream_idle_age = std::chrono::seconds(15);

} // namespace

shard::shard(const server_config& cfg, std::size_t index)
  : index_(index),
    io_(1),
    work_(io_.get_executor()),
    prune_timer_(io_),
    client_watches_(io_.get_executor(), cfg.client_watch_after),
    upstreams_(static_cast<std::size_t>(cfg.upstream_idle_connections),
               std::chrono::duration_cast<std::chrono::milliseconds>(upstream_idle_age)) {
}

shard::~shard() {
  stop();
}

void shard::start() {
  schedule_prune();
  thread_ = std::thread{[this] { io_.run(); }};
}

void shard::schedule_prune() {
  prune_timer_.expires_after(std::chrono::seconds(5));
  prune_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) {
      upstreams_.prune();
      schedule_prune();
    }
  });
}

void shard::drain_sessions() {
  // drain() may close a session, which removes it from the set: iterate over a copy.
  std::vector<session*> current{sessions_.begin(), sessions_.end()};
  for (auto* s : current) {
    if (sessions_.contains(s)) {
      s->drain();
    }
  }
}

void shard::close_sessions() {
  std::vector<session*> current{sessions_.begin(), sessions_.end()};
  for (auto* s : current) {
    if (sessions_.contains(s)) {
      s->close();
    }
  }
  prune_timer_.cancel();
  client_watches_.stop();
}

void shard::stop() {
  if (thread_.joinable()) {
    work_.reset();
    io_.stop();
    thread_.join();
  }
}

void shard::add(session* s) {
  sessions_.insert(s);
  session_count_.fetch_add(1, std::memory_order_relaxed);
}

void shard::remove(session* s) {
  if (sessions_.erase(s) > 0) {
    session_count_.fetch_sub(1, std::memory_order_relaxed);
  }
}

} // namespace janus::http
