#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "actors/messages.hpp"

namespace janus::actors::test_kit {

/// Health probes without HTTP: records each probe; answers it healthy at once while
/// `answer_healthy_at_once` is set, or leaves it to the test otherwise.
class fake_prober {
public:
  /// One probe and its answer callback (empty once answered).
  struct probe_call {
    endpoint target;
    std::string path;
    std::chrono::milliseconds timeout;
    std::function<void(http::probe_result)> on_result;
  };

  /// A `prober` that records into this object, which must outlive every actor using it.
  prober as_prober();

  /// Whether new probes get a healthy answer at once (the default).
  void answer_healthy_at_once(bool yes) noexcept {
    answer_healthy_at_once_ = yes;
  }

  std::size_t probes() const noexcept {
    return calls_.size();
  }

  const probe_call& probe_at(std::size_t index) const;

  /// Probes not answered yet.
  std::size_t unanswered() const;

  /// Answers probe number `index` (0-based).
  void answer(std::size_t index, bool healthy, std::string detail = {});

  /// Answers probe number `index` with `answer` as it is.
  void answer_with(std::size_t index, http::probe_result answer);

  /// Answers the oldest unanswered probe.
  void answer_next(bool healthy, std::string detail = {});

  /// Drops unanswered callbacks (they hold actor handles).
  void forget();

private:
  std::vector<probe_call> calls_;
  bool answer_healthy_at_once_ = true;
};

} // namespace janus::actors::test_kit
