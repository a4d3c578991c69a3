#include "tests/unit/actors/deterministic_system.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace janus::actors::test_kit {

namespace {

caf::actor_system_config& deterministic(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  return cfg;
}

} // namespace

deterministic_system::deterministic_system()
  : sys_(deterministic(cfg_)),
    sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())) {
  // A time point far from the clock's epoch, so "zero" never means "now".
  sched_.clock().current_time += std::chrono::hours(1);
}

deterministic_system::~deterministic_system() {
  sched_.run();
  sys_.await_actors_before_shutdown(false);
}

std::size_t deterministic_system::run() {
  return sched_.run();
}

void deterministic_system::advance(std::chrono::milliseconds by, std::chrono::milliseconds step) {
  sched_.run();
  while (by > std::chrono::milliseconds::zero()) {
    auto next = std::min(by, step);
    sched_.clock().advance_time(next);
    sched_.run();
    by -= next;
  }
}

caf::actor_clock::time_point deterministic_system::now() const {
  return sched_.clock().now();
}

std::size_t deterministic_system::running_actors() {
  return sys_.registry().running();
}

} // namespace janus::actors::test_kit
