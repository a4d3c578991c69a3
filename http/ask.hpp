#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>

namespace janus::http {

/// Bridges a callback-style call into another thread (the actors) to a coroutine: `call` gets a
/// callback, may invoke it on any thread, and the coroutine resumes on its own executor with the
/// arguments. Non-blocking: nothing waits on a lock or a future.
template <class... Args, class Call>
auto ask(Call call) {
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(Args...)>(
    [call = std::move(call)](auto handler) mutable {
      auto shared = std::make_shared<decltype(handler)>(std::move(handler));
      call([shared](Args... args) {
        auto executor = boost::asio::get_associated_executor(*shared);
        boost::asio::post(executor, [shared, ... args = std::move(args)]() mutable {
          (*shared)(std::move(args)...);
        });
      });
    },
    boost::asio::use_awaitable);
}

} // namespace janus::http
