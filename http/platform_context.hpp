#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstddef>
#include <memory>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/upstream_link.hpp"

namespace janus::http {

/// One I/O thread of the platform server with its own io_context: an endpoint, its sessions and
/// their upstream connections stay on it for their whole life, so their state needs no lock.
/// Keeps idle keep-alive upstream connections per route (at most `idle_per_route`, dropped
/// after `idle_timeout` unused).
class platform_context {
public:
  static constexpr std::size_t idle_per_route = 32;
  static constexpr std::chrono::seconds idle_timeout{15};

  platform_context();

  /// Stops and joins the thread.
  ~platform_context();

  platform_context(const platform_context&) = delete;
  platform_context& operator=(const platform_context&) = delete;

  void start();

  void stop();

  boost::asio::io_context& io() noexcept {
    return io_;
  }

  /// An idle connection to route `route`'s upstream, or null (context thread only).
  std::unique_ptr<upstream_link> take_idle(std::size_t route);

  /// Keeps `link` for the next call on `route` (context thread only).
  void give_back(std::size_t route, std::unique_ptr<upstream_link> link);

private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unordered_map<std::size_t, std::vector<std::unique_ptr<upstream_link>>> idle_;
  std::thread thread_;
};

} // namespace janus::http
