#pragma once

#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace janus::http {

/// Idle keep-alive connections to containers, kept by one I/O thread for its own sessions only:
/// never shared across threads, so it needs no lock. Keyed by container id, which is never reused,
/// so a connection can not reach the wrong container when a port is handed out again.
class upstream_pool {
public:
  using clock = std::chrono::steady_clock;

  /// `max_idle` connections per container at most; an idle connection older than `max_idle_age`
  /// is closed rather than reused (containers close idle connections themselves).
  upstream_pool(std::size_t max_idle, std::chrono::milliseconds max_idle_age);

  /// The most recently used idle connection to the container that is still open, if any. Every
  /// candidate is looked at first (one `recv(MSG_PEEK)`, however recently it was given back):
  /// a connection whose container closed it, crashed or was killed since has its FIN or RST
  /// queued and is dropped unused. So the request written next goes to a container that was
  /// still listening a moment before, and a failure after that write may be the request's own
  /// doing: it is never sent again (see chat_proxy).
  std::optional<boost::asio::ip::tcp::socket> take(const std::string& container_id);

  /// Keeps a connection whose last exchange ended cleanly with keep-alive and nothing after it.
  /// A socket, not its tcp_stream: moving a tcp_stream allocates a new one (Beast's move).
  void give_back(const std::string& container_id, boost::asio::ip::tcp::socket socket);

  /// Closes idle connections past their age, and forgets containers with none left; called from
  /// a periodic timer.
  void prune();

  /// Idle connections held, over all containers.
  std::size_t idle_count() const;

private:
  struct idle_connection {
    boost::asio::ip::tcp::socket socket;
    clock::time_point since;
  };

  std::size_t max_idle_;
  std::chrono::milliseconds max_idle_age_;
  std::unordered_map<std::string, std::vector<idle_connection>> idle_;
};

} // namespace janus::http
