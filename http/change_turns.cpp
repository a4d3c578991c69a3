#include "http/change_turns.hpp"

namespace janus::http {

struct change_turns::turn::queue {
  std::mutex mutex;
  bool busy = false;
  std::deque<granted> waiting;
};

change_turns::turn::~turn() {
  granted next;
  {
    std::lock_guard lock{owner_->mutex};
    if (owner_->waiting.empty()) {
      owner_->busy = false;
      return;
    }
    next = std::move(owner_->waiting.front());
    owner_->waiting.pop_front();
  }
  next(std::shared_ptr<turn>{new turn{owner_}});
}

change_turns::change_turns() : queue_(std::make_shared<turn::queue>()) {
}

void change_turns::enter(granted on_turn) {
  {
    std::lock_guard lock{queue_->mutex};
    if (queue_->busy) {
      queue_->waiting.push_back(std::move(on_turn));
      return;
    }
    queue_->busy = true;
  }
  on_turn(std::shared_ptr<turn>{new turn{queue_}});
}

bool change_turns::busy() const {
  std::lock_guard lock{queue_->mutex};
  return queue_->busy;
}

} // namespace janus::http
