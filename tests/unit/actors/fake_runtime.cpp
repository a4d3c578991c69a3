#include "tests/unit/actors/fake_runtime.hpp"

#include <algorithm>
#include <stdexcept>

namespace janus::actors::test_kit {

std::string fake_runtime::name() const {
  return "fake";
}

void fake_runtime::start(container_spec spec, start_handler on_started, exit_handler on_exit) {
  starts_.push_back(start_call{std::move(spec), std::move(on_started), std::move(on_exit),
                             start_call::phase::pending, {}});
}

void fake_runtime::stop(const std::string& id, std::chrono::milliseconds grace) {
  stops_.push_back(stop_call{id, grace});
}

void fake_runtime::list(list_handler on_list) {
  std::vector<container_info> running;
  for (const auto& call : starts_) {
    if (call.state == start_call::phase::running) {
      running.push_back(call.container);
    }
  }
  on_list(std::move(running));
}

void fake_runtime::adopt(const container_info& container, exit_handler on_exit) {
  adopts_.push_back(adopt_call{container, std::move(on_exit), false});
}

const fake_runtime::adopt_call& fake_runtime::adoption_at(std::size_t index) const {
  return adopts_.at(index);
}

void fake_runtime::report_adopted_exit(std::size_t index, std::string description) {
  auto& call = adopts_.at(index);
  if (call.exited) {
    throw std::logic_error("adopted container " + call.container.id + " already ended");
  }
  call.exited = true;
  call.on_exit(container_exit{call.container.id, 0, std::move(description)});
}

const fake_runtime::start_call& fake_runtime::start_at(std::size_t index) const {
  return starts_.at(index);
}

container_info fake_runtime::report_started(std::size_t index) {
  auto& call = starts_.at(index);
  if (call.state != start_call::phase::pending) {
    throw std::logic_error("start " + std::to_string(index) + " was already answered");
  }
  call.state = start_call::phase::running;
  call.container.id = "c" + std::to_string(index + 1);
  call.container.target = endpoint{"127.0.0.1", static_cast<std::uint16_t>(9001 + index)};
  call.on_started(call.container);
  return call.container;
}

void fake_runtime::report_start_failure(std::size_t index, std::string message) {
  auto& call = starts_.at(index);
  if (call.state != start_call::phase::pending) {
    throw std::logic_error("start " + std::to_string(index) + " was already answered");
  }
  call.state = start_call::phase::failed;
  call.on_started(error_info{errc::no_capacity, std::move(message)});
}

void fake_runtime::report_exit(std::size_t index, std::string description) {
  auto& call = starts_.at(index);
  if (call.state != start_call::phase::running) {
    throw std::logic_error("container of start " + std::to_string(index) + " is not running");
  }
  call.state = start_call::phase::exited;
  container_exit exit{call.container.id, 0, std::move(description)};
  exit.on_its_own = std::none_of(stops_.begin(), stops_.end(), [&call](const stop_call& stop) {
    return stop.id == call.container.id;
  });
  call.on_exit(std::move(exit));
}

void fake_runtime::report_killed(std::size_t index) {
  auto& call = starts_.at(index);
  if (call.state != start_call::phase::running) {
    throw std::logic_error("container of start " + std::to_string(index) + " is not running");
  }
  call.state = start_call::phase::exited;
  container_exit exit{call.container.id, 137, "killed by signal 9 (Killed)"};
  exit.on_its_own = true;
  call.on_exit(std::move(exit));
}

std::vector<std::string> fake_runtime::stopped_ids() const {
  std::vector<std::string> ids;
  for (const auto& call : stops_) {
    auto known = std::any_of(starts_.begin(), starts_.end(), [&call](const start_call& s) {
      return s.state != start_call::phase::pending && s.container.id == call.id && !call.id.empty();
    }) || std::any_of(adopts_.begin(), adopts_.end(), [&call](const adopt_call& a) {
      return a.container.id == call.id;
    });
    if (known) {
      ids.push_back(call.id);
    }
  }
  return ids;
}

void fake_runtime::end_all() {
  for (std::size_t index = 0; index < starts_.size(); ++index) {
    if (starts_[index].state == start_call::phase::pending) {
      report_start_failure(index, "torn down");
    } else if (starts_[index].state == start_call::phase::running) {
      report_exit(index, "torn down");
    }
  }
  for (std::size_t index = 0; index < adopts_.size(); ++index) {
    if (!adopts_[index].exited) {
      report_adopted_exit(index, "torn down");
    }
  }
}

bool fake_runtime::can_prepare() const {
  return prepares_enabled;
}

void fake_runtime::prepare(container_spec spec, int ahead, prepare_handler on_done) {
  prepares.push_back(prepare_call{std::move(spec), ahead, std::move(on_done)});
}

void fake_runtime::discard_prepared(const std::string& model) {
  discards.push_back(model);
}

void fake_runtime::forget() {
  for (auto& call : prepares) {
    call.on_done = nullptr;
  }
  for (auto& call : starts_) {
    call.on_started = nullptr;
    call.on_exit = nullptr;
  }
  for (auto& call : adopts_) {
    call.on_exit = nullptr;
  }
}

} // namespace janus::actors::test_kit
