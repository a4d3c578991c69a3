#include "http/socket_deadline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace janus::http {

namespace asio = boost::asio;

socket_deadline::socket_deadline(const asio::any_io_executor& executor) : timer_(executor) {
  timer_.expires_at(clock::time_point::max());
}

asio::awaitable<void> socket_deadline::run(std::shared_ptr<void> owner) {
  while (!stopped_) {
    // Cancelled (moved to an earlier deadline) or fired: either way, look at the deadline now.
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_) {
      break;
    }
    auto now = clock::now();
    if (guarded_ != nullptr && now >= deadline_) {
      expired_ = true;
      boost::system::error_code ignored;
      guarded_->close(ignored);
      guarded_ = nullptr;
      deadline_ = clock::time_point::max();
    }
    if (timer_.expiry() <= now) {
      // Woke for a deadline that moved later (or went), or acted on it: wait for the one of now.
      timer_.expires_at(deadline_);
    }
  }
}

void socket_deadline::stop() {
  stopped_ = true;
  guarded_ = nullptr;
  timer_.cancel();
}

void socket_deadline::arm(asio::ip::tcp::socket& socket, clock::time_point deadline) {
  guarded_ = &socket;
  deadline_ = deadline;
  expired_ = false;
  if (deadline < timer_.expiry() && !stopped_) {
    timer_.expires_at(deadline); // wakes run(), which waits for this one
  }
}

void socket_deadline::disarm() noexcept {
  guarded_ = nullptr;
  deadline_ = clock::time_point::max();
}

} // namespace janus::http
