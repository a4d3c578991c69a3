#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "model/pool_status.hpp"
#include "model/result.hpp"

namespace janus::actors {

/// What a reply callback gets when its message is dropped unanswered, by the callback's
/// arguments. A `result<T>` gets an error that the HTTP edge turns into a 503.
template <class... Args>
struct dropped_answer;

template <class T>
struct dropped_answer<result<T>> {
  static std::tuple<result<T>> make() {
    return {error_info{errc::no_capacity,
                       "the request was dropped before it was answered: the actor serving it "
                       "stopped (its pool restarts, or janusd shuts down); try again"}};
  }
};

template <>
struct dropped_answer<std::vector<std::string>> {
  static std::tuple<std::vector<std::string>> make() {
    return {};
  }
};

template <>
struct dropped_answer<std::vector<pool_status>> {
  static std::tuple<std::vector<pool_status>> make() {
    return {};
  }
};

template <>
struct dropped_answer<bool, std::string> {
  static std::tuple<bool, std::string> make() {
    return {false, "the engine did not answer (shutting down)"};
  }
};

/// The reply callback a message carries to an actor. It is called at most once, from any
/// thread; when the last copy of it goes without having been called (the message reached an
/// actor that died, or sat in a mailbox that was dropped), it is called with
/// `dropped_answer<Args...>` instead. So whoever sent the message gets exactly one answer, and
/// the callback's own state (e.g. the caller's coroutine, see http/ask.hpp) is never left
/// waiting nor destroyed unanswered on an actor thread.
template <class... Args>
class reply_once {
public:
  using function_type = std::function<void(Args...)>;

  reply_once() = default;

  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, reply_once>
                                              && std::is_constructible_v<function_type, F&&>>>
  reply_once(F&& callback) { // NOLINT: implicit, so that a message is built from a lambda
    function_type fn{std::forward<F>(callback)};
    if (fn) {
      state_ = std::make_shared<state>(std::move(fn));
    }
  }

  /// Answers, unless an answer was given already (then does nothing).
  void operator()(Args... args) const {
    if (state_) {
      state_->answer(std::move(args)...);
    }
  }

  /// Whether there is a callback to answer.
  explicit operator bool() const noexcept {
    return state_ != nullptr;
  }

private:
  struct state {
    explicit state(function_type callback) : fn(std::move(callback)) {
    }

    state(const state&) = delete;
    state& operator=(const state&) = delete;

    ~state() {
      if (!answered.exchange(true)) {
        std::apply(fn, dropped_answer<Args...>::make());
      }
    }

    void answer(Args... args) {
      if (!answered.exchange(true)) {
        fn(std::move(args)...);
      }
    }

    function_type fn;
    std::atomic<bool> answered{false};
  };

  std::shared_ptr<state> state_;
};

} // namespace janus::actors
