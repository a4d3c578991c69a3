#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>

/// One change of the set of models at a time. The admin API's adds, removals and scales and a
/// configuration reload each read the model registry, ask the router and record the result:
/// done at once, a reload could compute its models from a registry that an add has not reached
/// yet and remove the model just added. So each takes a turn first, and the next one waits.
namespace janus::http {

class change_turns {
public:
  /// Held while a change runs; the next waiter gets its turn when the last copy goes.
  class turn {
  public:
    turn(const turn&) = delete;
    turn& operator=(const turn&) = delete;
    ~turn();

  private:
    friend class change_turns;
    struct queue;
    explicit turn(std::shared_ptr<queue> owner) : owner_(std::move(owner)) {
    }
    std::shared_ptr<queue> owner_;
  };

  using granted = std::function<void(std::shared_ptr<turn>)>;

  change_turns();

  /// Calls `on_turn` with the turn: at once on this thread when no change runs, otherwise on
  /// the thread that ends the change before it, in the order asked. Never blocks. A callback
  /// that drops the turn (e.g. its caller gave up waiting) hands it on at once.
  void enter(granted on_turn);

  /// Whether a change runs now (for tests and logs).
  bool busy() const;

private:
  std::shared_ptr<turn::queue> queue_;
};

} // namespace janus::http
