#include "http/platform_deadline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace janus::http {

namespace asio = boost::asio;

platform_deadline::platform_deadline(asio::ip::tcp::socket& client,
                                     const asio::any_io_executor& executor)
  : client_(client), timer_(executor) {
  timer_.expires_at(clock::time_point::max());
}

asio::awaitable<void> platform_deadline::run(std::shared_ptr<void> owner) {
  while (!stopped_) {
    // Cancelled (moved to an earlier deadline) or fired: either way, look at the deadline now.
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (stopped_) {
      break;
    }
    auto now = clock::now();
    if (phase_ != phase::none && now >= deadline_) {
      expire();
    }
    if (timer_.expiry() <= now) {
      // Woke early for a deadline that moved later, or acted on it: wait for the one of now.
      timer_.expires_at(deadline_);
    }
  }
}

void platform_deadline::stop() {
  stopped_ = true;
  timer_.cancel();
}

void platform_deadline::reading(clock::time_point deadline) {
  set(phase::reading, deadline);
}

void platform_deadline::calling(clock::time_point deadline, clock::duration grace) {
  grace_ = grace;
  set(phase::calling, deadline);
}

void platform_deadline::none() {
  set(phase::none, clock::time_point::max());
}

void platform_deadline::set(phase next, clock::time_point deadline) {
  phase_ = next;
  deadline_ = deadline;
  expired_ = false;
  upstream_ = nullptr;
  if (deadline < timer_.expiry()) {
    timer_.expires_at(deadline); // wakes run(), which waits for this one
  }
}

void platform_deadline::expire() {
  boost::system::error_code ignored;
  switch (phase_) {
  case phase::reading:
  case phase::closing:
    expired_ = true;
    client_.close(ignored);
    deadline_ = clock::time_point::max();
    break;
  case phase::calling:
    expired_ = true;
    if (upstream_ != nullptr) {
      upstream_->close();
      upstream_ = nullptr;
    }
    client_.cancel(ignored);
    // Room for the 504 or the stream's error end, then the connection goes.
    phase_ = phase::closing;
    deadline_ = clock::now() + grace_;
    break;
  case phase::none:
    break;
  }
}

} // namespace janus::http
