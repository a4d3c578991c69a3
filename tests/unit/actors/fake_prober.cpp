#include "tests/unit/actors/fake_prober.hpp"

#include <algorithm>
#include <stdexcept>

namespace janus::actors::test_kit {

prober fake_prober::as_prober() {
  return [this](const endpoint& target, const std::string& path, std::chrono::milliseconds timeout,
                std::function<void(http::probe_result)> on_result) {
    calls_.push_back(probe_call{target, path, timeout, std::move(on_result)});
    if (answer_healthy_at_once_) {
      answer(calls_.size() - 1, true);
    }
  };
}

const fake_prober::probe_call& fake_prober::probe_at(std::size_t index) const {
  return calls_.at(index);
}

std::size_t fake_prober::unanswered() const {
  auto waiting = [](const probe_call& c) { return c.on_result != nullptr; };
  return static_cast<std::size_t>(std::count_if(calls_.begin(), calls_.end(), waiting));
}

void fake_prober::answer(std::size_t index, bool healthy, std::string detail) {
  answer_with(index, http::probe_result{healthy, healthy ? 200 : 503, std::move(detail)});
}

void fake_prober::answer_with(std::size_t index, http::probe_result answer) {
  auto& call = calls_.at(index);
  if (!call.on_result) {
    throw std::logic_error("probe " + std::to_string(index) + " was already answered");
  }
  auto on_result = std::move(call.on_result);
  call.on_result = nullptr;
  on_result(std::move(answer));
}

void fake_prober::answer_next(bool healthy, std::string detail) {
  auto it = std::find_if(calls_.begin(), calls_.end(),
                         [](const probe_call& c) { return c.on_result != nullptr; });
  if (it == calls_.end()) {
    throw std::logic_error("no probe waits for an answer");
  }
  answer(static_cast<std::size_t>(it - calls_.begin()), healthy, std::move(detail));
}

void fake_prober::forget() {
  for (auto& call : calls_) {
    call.on_result = nullptr;
  }
}

} // namespace janus::actors::test_kit
