#include "http/platform_context.hpp"

namespace janus::http {

platform_context::platform_context() : io_(1), work_(io_.get_executor()) {
}

platform_context::~platform_context() {
  stop();
}

void platform_context::start() {
  thread_ = std::thread{[this] { io_.run(); }};
}

void platform_context::stop() {
  work_.reset();
  io_.stop();
  if (thread_.joinable()) {
    thread_.join();
  }
  idle_.clear();
}

std::unique_ptr<upstream_link> platform_context::take_idle(std::size_t route) {
  auto it = idle_.find(route);
  if (it == idle_.end()) {
    return nullptr;
  }
  auto& links = it->second;
  auto now = std::chrono::steady_clock::now();
  while (!links.empty()) {
    auto link = std::move(links.back());
    links.pop_back();
    if (now - link->idle_since < idle_timeout) {
      return link;
    }
  }
  return nullptr;
}

void platform_context::give_back(std::size_t route, std::unique_ptr<upstream_link> link) {
  auto& links = idle_[route];
  if (links.size() >= idle_per_route) {
    return;
  }
  link->idle_since = std::chrono::steady_clock::now();
  links.push_back(std::move(link));
}

} // namespace janus::http
