#pragma once

#include <string>

#include "apps/janus-check/container_launcher.hpp"
#include "model/lease.hpp"

namespace janus::check {

/// A server that already runs at a loopback address (`janus-check --url`): nothing is started
/// or removed, and the rules that need the container itself (sigterm, idle_memory) are skipped.
/// Useful for the process runtime and for tests.
class url_target : public container_launcher {
public:
  /// `target` must be a loopback address (check_options' parse_loopback_url makes sure).
  url_target(std::string url, endpoint target);

  std::string subject() const override;
  std::string description() const override;
  bool started_by_check() const override;
  boost::asio::awaitable<launch_outcome> launch() override;
  boost::asio::awaitable<result<boost::asio::ip::tcp::socket>> connect(
    std::chrono::milliseconds timeout) override;
  boost::asio::awaitable<std::string> ended() override;
  boost::asio::awaitable<memory_observation> memory() override;
  boost::asio::awaitable<stop_observation> stop(std::chrono::milliseconds grace) override;
  boost::asio::awaitable<void> remove() override;
  void remove_now() override;

private:
  std::string url_;
  endpoint target_;
};

} // namespace janus::check
