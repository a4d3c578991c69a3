#include "apps/janus-check/runtime_launcher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "apps/janus-check/tcp_connect.hpp"

namespace janus::check {

namespace net = boost::asio;
using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

/// How long a kill may take to be reported.
constexpr milliseconds exit_wait{5000};

} // namespace

struct runtime_launcher::shared_state {
  std::optional<result<container_info>> started;
  std::optional<container_exit> exited;
  std::weak_ptr<net::steady_timer> wake;
};

runtime_launcher::runtime_launcher(runtime& backend, container_spec spec, runtime_extras extras)
  : backend_(backend), spec_(std::move(spec)), extras_(std::move(extras)),
    state_(std::make_shared<shared_state>()) {
}

runtime_launcher::~runtime_launcher() = default;

std::string runtime_launcher::subject() const {
  std::string out;
  for (const auto& word : spec_.command) {
    out += (out.empty() ? "" : " ") + word;
  }
  return out.empty() ? spec_.image : out;
}

std::string runtime_launcher::description() const {
  std::string out = "janusd's " + backend_.name() + " runtime";
  if (state_->started && state_->started->ok()) {
    const auto& info = state_->started->value();
    out += ", container " + info.id + " on " + info.target.host + ":"
           + std::to_string(info.target.port);
    if (info.target.ns) {
      out += " inside its own network namespace (isolated)";
    }
  }
  return out;
}

bool runtime_launcher::started_by_check() const {
  return true;
}

template <class Done>
net::awaitable<bool> runtime_launcher::wait_for(Done done, clock::time_point deadline) {
  while (!done(*state_)) {
    if (clock::now() >= deadline) {
      co_return false;
    }
    wake_->expires_at(deadline);
    co_await wake_->async_wait(net::as_tuple(net::use_awaitable));
  }
  co_return true;
}

net::awaitable<launch_outcome> runtime_launcher::launch() {
  auto executor = co_await net::this_coro::executor;
  wake_ = std::make_shared<net::steady_timer>(executor);
  state_->wake = wake_;
  auto notify = [executor, state = state_](auto apply) {
    net::post(executor, [state, apply = std::move(apply)]() mutable {
      apply(*state);
      if (auto wake = state->wake.lock()) {
        wake->cancel();
      }
    });
  };
  if (extras_.preflight) {
    auto ready = co_await extras_.preflight();
    if (ready.fault != launch_fault::none) {
      co_return ready;
    }
  }
  auto started_at = clock::now();
  backend_.start(
    spec_,
    [notify](result<container_info> started) mutable {
      notify([started = std::move(started)](shared_state& state) mutable {
        state.started = std::move(started);
      });
    },
    [notify](container_exit exit) mutable {
      notify([exit = std::move(exit)](shared_state& state) mutable {
        state.exited = std::move(exit);
      });
    });
  // A runtime's start reports within its own bounds (exec, or the engine's call timeout).
  auto deadline = clock::now() + std::chrono::seconds(60);
  auto started = [](const shared_state& state) { return state.started.has_value(); };
  bool reported = co_await wait_for(started, deadline);
  if (!reported) {
    launch_outcome late{launch_fault::start_failed, "the runtime did not report the start"};
    co_return late;
  }
  if (!state_->started->ok()) {
    launch_outcome failed{launch_fault::start_failed, state_->started->error().message};
    co_return failed;
  }
  launch_outcome running;
  running.started_at = started_at;
  co_return running;
}

net::awaitable<result<net::ip::tcp::socket>> runtime_launcher::connect(milliseconds timeout) {
  if (!state_->started || !state_->started->ok()) {
    error_info none{errc::internal, "nothing was started"};
    co_return none;
  }
  auto target = state_->started->value().target;
  co_return co_await connect_loopback(target, timeout);
}

net::awaitable<std::string> runtime_launcher::ended() {
  co_return state_->exited ? state_->exited->description : std::string{};
}

net::awaitable<memory_observation> runtime_launcher::memory() {
  if (extras_.memory && state_->started && state_->started->ok()) {
    auto id = state_->started->value().id;
    co_return co_await extras_.memory(std::move(id));
  }
  memory_observation none;
  none.unavailable = "the " + backend_.name() + " runtime reports no memory figures";
  co_return none;
}

net::awaitable<stop_observation> runtime_launcher::stop(milliseconds grace) {
  stop_observation out;
  out.grace = grace;
  if (!state_->started || !state_->started->ok()) {
    out.error = "nothing was started";
    co_return out;
  }
  auto began = clock::now();
  backend_.stop(state_->started->value().id, grace);
  auto exited = [](const shared_state& state) { return state.exited.has_value(); };
  bool done = co_await wait_for(exited, began + grace + exit_wait);
  out.took = std::chrono::duration_cast<milliseconds>(clock::now() - began);
  if (!done) {
    out.still_running = true;
    co_return out;
  }
  out.exit_code = state_->exited->status;
  co_return out;
}

net::awaitable<void> runtime_launcher::remove() {
  if (!state_->started || !state_->started->ok() || state_->exited) {
    co_return;
  }
  backend_.stop(state_->started->value().id, milliseconds{0});
  auto exited = [](const shared_state& state) { return state.exited.has_value(); };
  co_await wait_for(exited, clock::now() + exit_wait);
}

void runtime_launcher::remove_now() {
  if (state_->started && state_->started->ok() && !state_->exited) {
    backend_.stop(state_->started->value().id, milliseconds{0});
  }
}

} // namespace janus::check
