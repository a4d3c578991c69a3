#include "http/sandbox_service.hpp"

#include <boost/asio/use_awaitable.hpp>

#include <cstdio>
#include <random>

#include "http/admin_asks.hpp"
#include "http/ask.hpp"
#include "http/request_metrics.hpp"
#include "logging/event.hpp"
#include "model/admin.hpp"

namespace janus::http {

namespace {

/// 32 hex digits (128 bits) from the system's random source: an id nobody guesses, which
/// matters with sandbox.auth: api_keys (every key holder may use a sandbox whose id it knows).
std::string new_sandbox_id() {
  std::random_device random;
  char text[33];
  std::snprintf(text, sizeof(text), "%08x%08x%08x%08x", random(), random(), random(), random());
  return text;
}

} // namespace

sandbox_service::sandbox_service(sandbox_config config, admin_limits limits, int max_json_depth,
                                 admin_broker& admin, request_metrics* requests,
                                 conformance_checker* conformance)
  : config_(std::move(config)),
    limits_(std::move(limits)),
    max_json_depth_(max_json_depth),
    admin_(admin),
    requests_(requests),
    conformance_(conformance),
    table_(sandbox_limits{config_.max_sandboxes, config_.max_containers_per_sandbox}) {
}

sandbox_service::~sandbox_service() {
  stop();
}

void sandbox_service::start(boost::asio::any_io_executor executor) {
  reaper_.emplace(std::move(executor));
  running_ = true;
  schedule_reap();
}

void sandbox_service::stop() {
  running_ = false;
}

void sandbox_service::schedule_reap() {
  reaper_->expires_after(std::chrono::seconds(1));
  reaper_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || !running_) {
      return;
    }
    reap(clock::now());
    schedule_reap();
  });
}

std::size_t sandbox_service::reap(clock::time_point now) {
  std::vector<sandbox_removal> gone;
  {
    std::lock_guard lock{mutex_};
    gone = table_.expire(now);
  }
  remove_pools(gone, "expired");
  return gone.size();
}

void sandbox_service::remove_pools(const std::vector<sandbox_removal>& gone,
                                   std::string_view reason) {
  for (const auto& removal : gone) {
    logging::event{"sandbox container removed"}
      .field("sandbox", removal.sandbox_id)
      .field("container", removal.container_id)
      .field("model", removal.model)
      .field("reason", reason)
      .info();
    admin_.remove_model(removal.model, [model = removal.model](result<std::string> done) {
      if (!done) {
        logging::event{"sandbox: its pool could not be removed"}
          .field("model", model)
          .field("error", done.error().message)
          .warn();
      }
    });
    if (requests_ != nullptr) {
      requests_->remove_model(removal.model);
    }
  }
}

result<sandbox_record> sandbox_service::create(const sandbox_request& request) {
  auto timeout = request.timeout.value_or(config_.default_timeout);
  result<sandbox_record> made = error_info{errc::internal, "no sandbox was made"};
  {
    std::lock_guard lock{mutex_};
    made = table_.create(new_sandbox_id(), request.image, timeout, clock::now());
  }
  if (made) {
    logging::event{"sandbox created"}
      .field("sandbox", made.value().id)
      .field("timeout_ms", timeout.count())
      .info();
  }
  return made;
}

result<sandbox_record> sandbox_service::get(const std::string& id) const {
  std::lock_guard lock{mutex_};
  const auto* record = table_.find(id, clock::now());
  if (record == nullptr) {
    return error_info{errc::unknown_sandbox, "no sandbox " + id + " exists (it may have ended)"};
  }
  return *record;
}

boost::asio::awaitable<result<sandbox_run>> sandbox_service::run(std::string id,
                                                                 container_run_request request) {
  auto now = clock::now();
  result<sandbox_container> reserved = error_info{errc::internal, "nothing was reserved"};
  {
    std::lock_guard lock{mutex_};
    reserved = table_.reserve(id, request.image, request.timeout, now);
  }
  if (!reserved) {
    co_return reserved.error();
  }
  auto container = reserved.value();
  auto lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(container.expires_at - now);
  auto made = make_sandbox_model(request, id, container.id, lifetime, limits_);
  auto give_back = [this, &id, &container] {
    std::lock_guard lock{mutex_};
    table_.cancel(id, container.id);
  };
  if (auto violation = check_admin_limits(made.model, limits_)) {
    give_back();
    co_return *violation;
  }
  if (conformance_ != nullptr) {
    auto checked = co_await ask_conformance(*conformance_, made.model);
    if (!checked) {
      give_back();
      co_return checked.error();
    }
  }
  // Before the pool exists: its first request is counted.
  bool counted = requests_ != nullptr && requests_->add_model(container.model);
  auto added = co_await ask_add(admin_, std::move(made.model));
  if (!added) {
    if (counted) {
      requests_->remove_model(container.model);
    }
    give_back();
    co_return added.error();
  }
  bool kept = false;
  {
    std::lock_guard lock{mutex_};
    kept = table_.confirm(id, container.id);
  }
  if (!kept) {
    // The sandbox was deleted or ended while the pool was being added.
    remove_pools({sandbox_removal{id, container.id, container.model}}, "sandbox ended meanwhile");
    co_return error_info{errc::unknown_sandbox,
                         "the sandbox " + id + " ended while its container was being started"};
  }
  logging::event{"sandbox container running"}
    .field("sandbox", id)
    .field("container", container.id)
    .field("model", container.model)
    .field("image", container.image)
    .info();
  container.pending = false;
  co_return sandbox_run{std::move(container), std::move(made.ignored_env)};
}

result<int> sandbox_service::terminate(const std::string& id) {
  std::optional<std::vector<sandbox_removal>> gone;
  {
    std::lock_guard lock{mutex_};
    gone = table_.remove(id);
  }
  if (!gone) {
    return error_info{errc::unknown_sandbox, "no sandbox " + id + " exists (it may have ended)"};
  }
  logging::event{"sandbox deleted"}.field("sandbox", id).info();
  remove_pools(*gone, "deleted");
  return static_cast<int>(gone->size());
}

result<std::string> sandbox_service::chat_model(const std::string& id,
                                                const std::string& container_id) const {
  std::lock_guard lock{mutex_};
  return table_.model_of(id, container_id, clock::now());
}

bool sandbox_service::is_sandbox_model(const std::string& model) const {
  if (!model.starts_with(sandbox_model_prefix)) {
    return false; // every /v1 chat asks: most never take the lock
  }
  std::lock_guard lock{mutex_};
  return table_.is_sandbox_model(model);
}

} // namespace janus::http
