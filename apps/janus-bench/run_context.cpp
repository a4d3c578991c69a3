#include "apps/janus-bench/run_context.hpp"

#include "apps/janus-bench/request_renderer.hpp"

namespace janus::bench {

namespace {

load_profile profile_of(const bench_options& options) {
  if (options.mode == load_mode::steps) {
    return load_profile{options.steps};
  }
  return load_profile{options.concurrency, options.duration};
}

std::vector<std::string> names_of(const bench_options& options) {
  std::vector<std::string> names;
  for (const auto& model : options.models) {
    names.push_back(model.name);
  }
  return names;
}

} // namespace

run_context::run_context(bench_options opts)
  : options(std::move(opts)),
    requests(render_requests(options)),
    model_names(names_of(options)),
    picker(options.models),
    profile(profile_of(options)),
    schedule_(arrival_settings{options.rate > 0 ? options.rate : 1.0, options.arrival,
                               options.burstiness, options.seed},
              options.duration, options.requests) {
  // nop
}

std::optional<std::uint64_t> run_context::claim() {
  auto n = next_.fetch_add(1, std::memory_order_relaxed);
  if (options.requests && n >= *options.requests) {
    return std::nullopt;
  }
  return n;
}

std::optional<arrival> run_context::next_arrival() {
  std::lock_guard lock{schedule_mutex_};
  const auto sequence = schedule_.issued();
  auto due = schedule_.next();
  if (!due) {
    return std::nullopt;
  }
  return arrival{sequence, *due};
}

std::optional<std::uint64_t> run_context::schedule_size() const {
  std::lock_guard lock{schedule_mutex_};
  return schedule_.size_hint();
}

} // namespace janus::bench
