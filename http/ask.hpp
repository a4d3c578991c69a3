#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace janus::http {

namespace detail {

/// One ask in flight: the coroutine's completion handler, type-erased.
struct ask_pending {
  virtual ~ask_pending() = default;
};

template <class Handler>
struct ask_pending_of : ask_pending {
  explicit ask_pending_of(Handler h) : handler(std::move(h)) {
  }
  Handler handler;
};

/// The handlers of the asks in flight on one io_context, and whether it still runs. The handlers
/// live here, not in the callbacks the other threads hold: they are destroyed only on the
/// io_context's own thread (once answered) or when the io_context is destroyed (unanswered).
struct ask_registry {
  std::mutex mutex;
  /// False from the io_context's destruction on: nothing may be posted to it any more.
  bool open = true;
  std::uint64_t next = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<ask_pending>> waiting;

  std::uint64_t add(std::unique_ptr<ask_pending> pending) {
    std::lock_guard lock{mutex};
    auto id = next++;
    if (open) {
      waiting.emplace(id, std::move(pending));
    }
    return id;
  }

  std::unique_ptr<ask_pending> take(std::uint64_t id) {
    std::lock_guard lock{mutex};
    auto it = waiting.find(id);
    if (it == waiting.end()) {
      return nullptr;
    }
    auto pending = std::move(it->second);
    waiting.erase(it);
    return pending;
  }
};

/// An Asio service of each io_context that asks: it closes the registry when the io_context is
/// destroyed (services shut down before the io_context's queues and threads are gone), so a late
/// answer from another thread is dropped instead of posted to a dead io_context; and it destroys
/// the handlers still waiting, on the thread destroying the io_context.
class ask_service : public boost::asio::execution_context::service {
public:
  static inline boost::asio::execution_context::id id;

  explicit ask_service(boost::asio::execution_context& context)
    : boost::asio::execution_context::service(context),
      registry_(std::make_shared<ask_registry>()) {
  }

  const std::shared_ptr<ask_registry>& registry() const noexcept {
    return registry_;
  }

private:
  void shutdown() override {
    std::unordered_map<std::uint64_t, std::unique_ptr<ask_pending>> left;
    {
      std::lock_guard lock{registry_->mutex};
      registry_->open = false;
      left.swap(registry_->waiting);
    }
  }

  std::shared_ptr<ask_registry> registry_;
};

/// The callback an ask hands to the other thread: copyable, callable from any thread. The first
/// call posts the arguments to the coroutine's executor, where they complete the handler; later
/// calls, and calls after the io_context is gone, do nothing.
template <class Handler, class Executor, class... Args>
struct ask_reply {
  std::shared_ptr<ask_registry> registry;
  std::uint64_t id = 0;
  Executor executor;

  void operator()(Args... args) const {
    std::lock_guard lock{registry->mutex};
    if (!registry->open || !registry->waiting.contains(id)) {
      return;
    }
    boost::asio::post(executor, [registry = registry, id = id,
                                 ... args = std::move(args)]() mutable {
      auto pending = registry->take(id);
      if (!pending) {
        return;
      }
      auto handler = std::move(static_cast<ask_pending_of<Handler>&>(*pending).handler);
      pending.reset();
      std::move(handler)(std::move(args)...);
    });
  }
};

} // namespace detail

/// Bridges a callback-style call into another thread (the actors) to a coroutine: `call` gets a
/// callback, may invoke it on any thread, and the coroutine resumes on its own executor with the
/// arguments. Non-blocking: nothing waits on a lock held for longer than a post, or a future.
/// The coroutine's handler never leaves its io_context: the callback carries only a ticket, so
/// whatever thread drops the callback never destroys the coroutine, and an answer that comes
/// after the io_context is gone is dropped. Only the first call of the callback counts.
template <class... Args, class Call>
auto ask(Call call) {
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(Args...)>(
    [call = std::move(call)](auto handler) mutable {
      using handler_type = decltype(handler);
      auto executor = boost::asio::get_associated_executor(handler);
      using executor_type = decltype(executor);
      auto& context = boost::asio::query(executor, boost::asio::execution::context);
      auto registry = boost::asio::use_service<detail::ask_service>(context).registry();
      auto id =
        registry->add(std::make_unique<detail::ask_pending_of<handler_type>>(std::move(handler)));
      call(detail::ask_reply<handler_type, executor_type, Args...>{std::move(registry), id,
                                                                    std::move(executor)});
    },
    boost::asio::use_awaitable);
}

} // namespace janus::http
