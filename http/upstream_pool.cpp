#include "http/upstream_pool.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace janus::http {

namespace {

/// False when the peer has closed or reset the connection while it sat idle. A pending byte is
/// unexpected too (an answer nobody asked for), so such a connection is not reused either.
bool still_open(boost::asio::ip::tcp::socket& socket) {
  char byte;
  auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

} // namespace

upstream_pool::upstream_pool(std::size_t max_idle, std::chrono::milliseconds max_idle_age)
  : max_idle_(max_idle), max_idle_age_(max_idle_age) {
}

std::optional<boost::asio::ip::tcp::socket> upstream_pool::take(const std::string& container_id) {
  auto it = idle_.find(container_id);
  if (it == idle_.end()) {
    return std::nullopt;
  }
  auto& stack = it->second;
  auto now = clock::now();
  auto oldest_allowed = now - max_idle_age_;
  while (!stack.empty()) {
    auto candidate = std::move(stack.back());
    stack.pop_back();
    if (candidate.since >= oldest_allowed && still_open(candidate.socket)) {
      return std::move(candidate.socket);
    }
  }
  // The emptied entry stays until prune(): the next give_back() then finds its key and its
  // vector's room (no map node, key copy or vector to allocate per request).
  return std::nullopt;
}

void upstream_pool::give_back(const std::string& container_id,
                              boost::asio::ip::tcp::socket socket) {
  if (max_idle_ == 0) {
    return;
  }
  auto& stack = idle_[container_id];
  if (stack.size() >= max_idle_) {
    stack.erase(stack.begin()); // the oldest goes
  }
  stack.push_back(idle_connection{std::move(socket), clock::now()});
}

void upstream_pool::prune() {
  auto oldest_allowed = clock::now() - max_idle_age_;
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& stack = it->second;
    std::erase_if(stack, [&](idle_connection& c) { return c.since < oldest_allowed; });
    if (stack.empty()) {
      it = idle_.erase(it);
    } else {
      ++it;
    }
  }
}

std::size_t upstream_pool::idle_count() const {
  std::size_t total = 0;
  for (const auto& [id, stack] : idle_) {
    total += stack.size();
  }
  return total;
}

} // namespace janus::http
