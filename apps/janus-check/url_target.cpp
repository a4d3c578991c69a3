#include "apps/janus-check/url_target.hpp"

#include "apps/janus-check/tcp_connect.hpp"

namespace janus::check {

namespace net = boost::asio;

url_target::url_target(std::string url, endpoint target)
  : url_(std::move(url)), target_(std::move(target)) {
}

std::string url_target::subject() const {
  return url_;
}

std::string url_target::description() const {
  return "a server already running at " + target_.host + ":" + std::to_string(target_.port)
         + "; nothing started";
}

bool url_target::started_by_check() const {
  return false;
}

net::awaitable<launch_outcome> url_target::launch() {
  launch_outcome running;
  co_return running;
}

net::awaitable<result<net::ip::tcp::socket>> url_target::connect(
  std::chrono::milliseconds timeout) {
  co_return co_await connect_loopback(target_, timeout);
}

net::awaitable<std::string> url_target::ended() {
  co_return std::string{};
}

net::awaitable<memory_observation> url_target::memory() {
  memory_observation none;
  none.unavailable = "janus-check did not start this server";
  co_return none;
}

net::awaitable<stop_observation> url_target::stop(std::chrono::milliseconds grace) {
  stop_observation none;
  none.error = "janus-check did not start this server";
  co_return none;
}

net::awaitable<void> url_target::remove() {
  co_return;
}

void url_target::remove_now() {
}

} // namespace janus::check
