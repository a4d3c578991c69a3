#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "runtime/platform_listeners.hpp"

namespace janus {

/// A stand-in for the platform server (issue 11's platform endpoint, another branch) until it is
/// wired in: each isolated container's endpoint accepts from the moment its program starts and
/// answers every request with a 404 OpenAI error saying that no platform route exists, then
/// closes the connection. One thread of its own; a request header is read within 10 s and 16 KiB.
class platform_stub final : public platform_listeners {
public:
  platform_stub();

  /// Closes every endpoint and joins the thread.
  ~platform_stub() override;

  platform_stub(const platform_stub&) = delete;
  platform_stub& operator=(const platform_stub&) = delete;

  std::map<std::string, std::string> prepare(const platform_owner& owner,
                                             std::uint16_t port) override;

  void serve(const platform_owner& owner, const std::map<std::string, std::string>& env,
             int listen_fd) override;

  void close(const std::string& name) override;

private:
  struct endpoint_state;

  static boost::asio::awaitable<void> accept_loop(std::shared_ptr<endpoint_state> endpoint);

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  /// By container name; touched on the stub's thread only.
  std::map<std::string, std::shared_ptr<endpoint_state>> endpoints_;
  std::thread thread_;
};

} // namespace janus
