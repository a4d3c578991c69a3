// engine::reload(): the configuration reload of SIGHUP (docs/operations.md, "Reloading the
// configuration"). The decisions are pure (model/config_reload.hpp); this is the wiring.

#include "apps/janusd/engine.hpp"

#include <caf/all.hpp>

#include <future>
#include <string>
#include <vector>

#include "actors/admin_messages.hpp"
#include "actors/messages.hpp"
#include "logging/event.hpp"
#include "model/config_reload.hpp"

namespace janus {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    out += out.empty() ? name : "," + name;
  }
  return out;
}

std::vector<std::string> names_of(const std::vector<model_config>& models) {
  std::vector<std::string> out;
  for (const auto& model : models) {
    out.push_back(model.name);
  }
  return out;
}

/// Waits for a callback-style answer from the actors until `deadline`; nothing past it.
template <class T, class Call>
std::optional<T> wait_for(std::chrono::steady_clock::time_point deadline, Call call) {
  auto promise = std::make_shared<std::promise<T>>();
  auto answer = promise->get_future();
  call([promise](T value) { promise->set_value(std::move(value)); });
  if (answer.wait_until(deadline) != std::future_status::ready) {
    return std::nullopt;
  }
  return answer.get();
}

} // namespace

bool engine::reload(const std::string& path) {
  std::lock_guard one_at_a_time{reload_mutex_};
  logging::event{"configuration reload: reading the file"}.field("file", path).info();
  config loaded;
  try {
    // Read under the running runtime and docker settings, which a reload does not change.
    model_context running{cfg_.runtime, cfg_.docker};
    loaded = load_config(path, &running);
  } catch (const config_error& error) {
    logging::event{"configuration reload refused: the file has an error; the running "
                   "configuration stays"}
      .field("file", path)
      .field("error", error.what())
      .error();
    reloads_failed_->Increment();
    last_reload_ok_->Set(0);
    return false;
  }
  auto applied = apply_reload(std::move(loaded));
  if (!applied) {
    logging::event{"configuration reload failed; the running configuration stays"}
      .field("file", path)
      .field("error", applied.error().message)
      .error();
    reloads_failed_->Increment();
    last_reload_ok_->Set(0);
    return false;
  }
  reloads_ok_->Increment();
  last_reload_ok_->Set(1);
  last_reload_time_->SetToCurrentTime();
  return true;
}

result<std::string> engine::apply_reload(config loaded) {
  for (const auto& key : keys_needing_restart(cfg_, loaded)) {
    logging::event{"configuration reload: this key needs a restart; it keeps its running value"}
      .field("key", key)
      .warn();
  }
  auto deadline = std::chrono::steady_clock::now() + cfg_.engine.reload_timeout;
  // The admin API's changes wait while the reload runs, and the reload waits for one that runs:
  // the registry read below and the router's models agree.
  auto turn = wait_for<std::shared_ptr<http::change_turns::turn>>(deadline, [this](auto done) {
    turns_.enter(std::move(done));
  });
  if (!turn) {
    return error_info{errc::conflict, "an admin change of the models did not finish within "
                                     "engine.reload_timeout"};
  }
  // The file's models, then what the admin API changed, applied on top: the same as at start,
  // under the running settings (admin.limits, runtime, docker) that a reload does not change.
  config wanted;
  {
    std::lock_guard lock{models_mutex_};
    wanted = cfg_;
  }
  wanted.models = std::move(loaded.models);
  for (const auto& note : apply_model_changes(wanted, registry_->changes())) {
    logging::event{"configuration reload: a model registry entry is left out"}
      .field("reason", note)
      .warn();
  }
  auto running = wait_for<result<std::vector<model_config>>>(deadline, [this](auto done) {
    caf::anon_send(router_, actors::configs_atom::value, actors::configs_msg{std::move(done)});
  });
  if (!running) {
    return error_info{errc::internal, "the router did not answer within engine.reload_timeout"};
  }
  if (!*running) {
    return running->error();
  }
  // A sandbox's pools (the Sandy-compatible routes) are the sandbox's, not the file's: a reload
  // leaves them alone.
  auto& pools_now = running->value();
  if (sandbox_) {
    std::erase_if(pools_now, [this](const model_config& m) { return sandbox_->is_sandbox_model(m.name); });
  }
  auto plan = plan_model_reload(pools_now, wanted.models);
  auto added = names_of(plan.added);
  auto changed = names_of(plan.changed);
  auto removed = plan.removed;
  auto unchanged = plan.unchanged;
  for (const auto& name : added) {
    request_metrics_->add_model(name); // before the pool exists: its first request is counted
  }
  // A changed model's new pool may take its startup_timeout to reach min_warm.
  auto swap_limit = std::chrono::milliseconds{0};
  for (const auto& model : plan.changed) {
    swap_limit = std::max(swap_limit, std::chrono::milliseconds{model.startup_timeout});
  }
  auto applied_by = std::max(deadline, std::chrono::steady_clock::now() + swap_limit
                                         + std::chrono::seconds(5));
  auto applied = wait_for<result<actors::reload_applied>>(
    applied_by, [this, plan = std::move(plan)](auto done) mutable {
      caf::anon_send(router_, actors::reload_atom::value,
                     actors::reload_msg{std::move(plan), std::move(done)});
    });
  if (!applied) {
    // The router applies the plan still; only its answer is late.
    return error_info{errc::internal, "the router did not confirm the new models in time"};
  }
  if (!*applied) {
    return applied->error();
  }
  for (const auto& name : removed) {
    request_metrics_->remove_model(name); // its series leave /metrics
  }
  {
    std::lock_guard lock{models_mutex_};
    cfg_.models = std::move(wanted.models);
  }
  const auto& outcome = applied->value();
  logging::event{"configuration reloaded"}
    .field("added", added.size())
    .field("changed", changed.size())
    .field("removed", removed.size())
    .field("unchanged", unchanged.size())
    .field("added_models", joined(added))
    .field("changed_models", joined(changed))
    .field("removed_models", joined(removed))
    .field("unchanged_models", joined(unchanged))
    .field("changed_before_warm", joined(outcome.late))
    .field("not_applied", joined(outcome.failed))
    .info();
  return std::string{"ok"};
}

} // namespace janus
